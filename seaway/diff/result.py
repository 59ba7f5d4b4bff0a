"""What a diff returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seaway.diff.render import unified_yaml
from seaway.model.keys import ResourceKey
from seaway.model.status import SyncStatus


@dataclass(frozen=True)
class FieldChange:
    """One field that differs. `path` is a JSON pointer; list items are numbered by their index
    in desired, or in live for an item only live has. None stands for "not set" on that side
    (desired nulls mean the same to the API server)."""

    path: str
    desired: Any
    live: Any


@dataclass(frozen=True)
class ObjectDiff:
    """The comparison of one object. `modified` is true whenever a sync would change the
    cluster: a field differs, the object is missing live (create) or only live (prune).
    `changes` is empty exactly when `modified` is false; a missing or extra object is one change
    at the root pointer "". Secret values appear only masked, in every field."""

    key: ResourceKey
    modified: bool
    missing_live: bool
    extra_live: bool
    changes: tuple[FieldChange, ...]
    normalized_desired: dict[str, Any] | None
    normalized_live: dict[str, Any] | None

    @property
    def sync_status(self) -> SyncStatus:
        return SyncStatus.OUT_OF_SYNC if self.modified else SyncStatus.SYNCED

    def text(self) -> str:
        """A unified diff, live to desired, of the normalized objects as YAML: what
        `seaway app diff` prints. Empty when nothing differs."""
        if not self.modified:
            return ""
        name = str(self.key)
        return unified_yaml(
            self.normalized_live,
            self.normalized_desired,
            from_name=f"live/{name}",
            to_name=f"desired/{name}",
        )
