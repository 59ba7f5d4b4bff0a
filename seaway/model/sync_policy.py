"""When and how an application syncs: automation, sync options and retries (Argo CD's SyncPolicy).

Sync options stay the list of "Key=Value" strings users write, so manifests round-trip; the
`SyncOptions` view reads them into typed settings and names the keys it does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from seaway.model.base import ArgoModel, FieldProblem
from seaway.model.durations import (
    DEFAULT_RETRY_DURATION,
    DEFAULT_RETRY_FACTOR,
    DEFAULT_RETRY_MAX_DURATION,
    backoff_delay,
    backoff_schedule,
    parse_duration,
)


class DeletePolicy(StrEnum):
    """Whether Seaway may delete objects (the Prune= and Delete= sync options)."""

    ALLOWED = "true"
    DISABLED = "false"
    # Deletes wait until a person confirms them.
    CONFIRM = "confirm"


class PropagationPolicy(StrEnum):
    FOREGROUND = "foreground"
    BACKGROUND = "background"
    ORPHAN = "orphan"


@dataclass(frozen=True)
class SyncOptions:
    """The typed reading of `syncOptions`; each default is Argo CD's when the option is absent."""

    create_namespace: bool = False
    prune_last: bool = False
    server_side_apply: bool = False
    apply_out_of_sync_only: bool = False
    validate: bool = True
    replace: bool = False
    force: bool = False
    skip_dry_run_on_missing_resource: bool = False
    fail_on_shared_resource: bool = False
    respect_ignore_differences: bool = False
    client_side_apply_migration: bool = True
    prune: DeletePolicy = DeletePolicy.ALLOWED
    delete: DeletePolicy = DeletePolicy.ALLOWED
    prune_propagation_policy: PropagationPolicy = PropagationPolicy.FOREGROUND
    # Entries whose key Seaway does not know, as written, e.g. "Foo=bar".
    unknown: tuple[str, ...] = ()


_BOOLEAN_OPTIONS = {
    "CreateNamespace": "create_namespace",
    "PruneLast": "prune_last",
    "ServerSideApply": "server_side_apply",
    "ApplyOutOfSyncOnly": "apply_out_of_sync_only",
    "Validate": "validate",
    "Replace": "replace",
    "Force": "force",
    "SkipDryRunOnMissingResource": "skip_dry_run_on_missing_resource",
    "FailOnSharedResource": "fail_on_shared_resource",
    "RespectIgnoreDifferences": "respect_ignore_differences",
    "ClientSideApplyMigration": "client_side_apply_migration",
}
_DELETE_OPTIONS = {"Prune": "prune", "Delete": "delete"}
KNOWN_SYNC_OPTIONS = frozenset(
    [*_BOOLEAN_OPTIONS, *_DELETE_OPTIONS, "PrunePropagationPolicy"],
)


class SyncOptionError(ValueError):
    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def parse_sync_options(options: Sequence[str]) -> SyncOptions:
    """Read "Key=Value" sync options; a later entry for the same key wins.

    Raises SyncOptionError for an entry without "=" or a known key with a value it cannot
    take: Argo CD compares whole strings, so "CreateNamespace=True" would silently do nothing
    there, and Seaway says so instead.
    """
    settings: dict[str, Any] = {}
    unknown: list[str] = []
    for index, option in enumerate(options):
        key, equals, raw = option.partition("=")
        key, value = key.strip(), raw.strip()
        if not equals or not key:
            raise SyncOptionError(index, f"{option!r} is not of the form Key=Value")
        if key in _BOOLEAN_OPTIONS:
            if value not in ("true", "false"):
                raise SyncOptionError(index, f"{key} must be true or false, not {value!r}")
            settings[_BOOLEAN_OPTIONS[key]] = value == "true"
        elif key in _DELETE_OPTIONS:
            try:
                settings[_DELETE_OPTIONS[key]] = DeletePolicy(value)
            except ValueError:
                raise SyncOptionError(
                    index, f"{key} must be true, false or confirm, not {value!r}"
                ) from None
        elif key == "PrunePropagationPolicy":
            try:
                settings["prune_propagation_policy"] = PropagationPolicy(value)
            except ValueError:
                raise SyncOptionError(
                    index,
                    f"PrunePropagationPolicy must be foreground, background or orphan, "
                    f"not {value!r}",
                ) from None
        else:
            unknown.append(option)
    return replace(SyncOptions(unknown=tuple(unknown)), **settings)


class SyncPolicyAutomated(ArgoModel):
    # Absent means enabled: the presence of `automated` is what turns automation on.
    enabled: bool | None = None
    prune: bool = False
    self_heal: bool = False
    allow_empty: bool = False

    @property
    def is_enabled(self) -> bool:
        return self.enabled is not False


class Backoff(ArgoModel):
    duration: str = ""
    factor: int | None = None
    max_duration: str = ""

    @model_validator(mode="after")
    def _check(self) -> Backoff:
        for alias, text in (("duration", self.duration), ("maxDuration", self.max_duration)):
            if text:
                try:
                    value = parse_duration(text)
                except ValueError as error:
                    raise FieldProblem(str(error), alias) from None
                if value < timedelta(0):
                    raise FieldProblem(f"{text!r} is negative", alias)
        if self.factor is not None and self.factor < 1:
            raise FieldProblem(f"factor must be 1 or more, got {self.factor}", "factor")
        return self

    @property
    def base(self) -> timedelta:
        return parse_duration(self.duration) if self.duration else DEFAULT_RETRY_DURATION

    @property
    def cap(self) -> timedelta:
        return (
            parse_duration(self.max_duration) if self.max_duration else DEFAULT_RETRY_MAX_DURATION
        )

    @property
    def multiplier(self) -> int:
        return DEFAULT_RETRY_FACTOR if self.factor is None else self.factor


class RetryStrategy(ArgoModel):
    # 0 means no retries; a negative limit means retry without end.
    limit: int = 0
    backoff: Backoff | None = None
    refresh: bool = False

    def delay(self, retry: int) -> timedelta:
        """The wait before retry number `retry` (0 for the first), with Argo CD's defaults."""
        backoff = self.backoff or Backoff()
        return backoff_delay(
            retry, duration=backoff.base, factor=backoff.multiplier, max_duration=backoff.cap
        )

    def schedule(self, count: int | None = None) -> list[timedelta]:
        """The waits before each retry: `limit` of them, or `count` when the limit is endless."""
        if count is None:
            if self.limit < 0:
                raise ValueError("the retry limit is endless; say how many waits to list")
            count = self.limit
        backoff = self.backoff or Backoff()
        return backoff_schedule(
            count, duration=backoff.base, factor=backoff.multiplier, max_duration=backoff.cap
        )


class ManagedNamespaceMetadata(ArgoModel):
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class SyncPolicy(ArgoModel):
    automated: SyncPolicyAutomated | None = None
    sync_options: list[str] = Field(default_factory=list)
    retry: RetryStrategy | None = None
    managed_namespace_metadata: ManagedNamespaceMetadata | None = None

    @field_validator("sync_options")
    @classmethod
    def _check_options(cls, value: list[str]) -> list[str]:
        try:
            parse_sync_options(value)
        except SyncOptionError as error:
            raise FieldProblem(error.message, error.index) from None
        return value

    @property
    def options(self) -> SyncOptions:
        return parse_sync_options(self.sync_options)

    @property
    def is_automated(self) -> bool:
        return self.automated is not None and self.automated.is_enabled
