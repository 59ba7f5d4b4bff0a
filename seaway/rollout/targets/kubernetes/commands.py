"""People's commands to a Rollout, queued in an annotation of the Rollout itself.

The annotation holds a small JSON list of {"command", "at"} entries. The CLI appends with its
own field manager; the controller takes the entries it read and removes them. Both write with a
resourceVersion precondition, so no command is lost to a race and none is taken twice. The
Application's sync neither sets nor owns this annotation, so it never reads as drift.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from seaway.rollout.engine.types import Command
from seaway.rollout.ownership import CLI_MANAGER, COMMANDS_ANNOTATION

ANNOTATION = COMMANDS_ANNOTATION
__all__ = ["ANNOTATION", "CLI_MANAGER", "appended", "commands_of", "queued"]


def queued(rollout: Mapping[str, Any]) -> list[dict[str, str]]:
    """The entries in the annotation; an unreadable annotation reads as none."""
    raw = ((rollout.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("command"), str)]


def commands_of(entries: list[dict[str, str]]) -> list[Command]:
    """The known commands, oldest first; an unknown one (from a newer CLI) is skipped."""
    known = {c.value for c in Command}
    ordered = sorted(entries, key=lambda e: str(e.get("at", "")))
    return [Command(e["command"]) for e in ordered if e["command"] in known]


def appended(entries: list[dict[str, str]], command: Command, now: datetime | None = None) -> str:
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps([*entries, {"command": command.value, "at": at}], separators=(",", ":"))
