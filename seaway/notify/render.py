"""From an event and the config to the messages to send: pure, so what a subscription would
send is tested without a network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from seaway.notify.config import (
    DEFAULT_TEMPLATES,
    PLACEHOLDER,
    Format,
    NotifyConfig,
)
from seaway.notify.events import Event, Trigger


@dataclass(frozen=True)
class Message:
    destination: str
    trigger: Trigger
    body: Mapping[str, Any]
    event_id: int = 0
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


def fill(template: str, values: Mapping[str, str]) -> str:
    """Placeholders replaced once; a value that itself looks like `{{x}}` stays as it is."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template).strip()


def variables(event: Event, trigger: Trigger) -> dict[str, str]:
    at = dt.datetime.fromtimestamp(event.at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "app": event.app,
        "project": event.project,
        "trigger": str(trigger),
        "kind": event.kind,
        "sync": event.sync,
        "health": event.health,
        "phase": event.phase,
        "revision": event.revision,
        "message": event.message,
        "at": at,
    }


def messages(config: NotifyConfig, event: Event) -> list[Message]:
    """One message per (trigger of the event, subscription that wants it, destination)."""
    out: list[Message] = []
    for trigger in event.triggers:
        values = variables(event, trigger)
        for sub in config.subscriptions:
            if trigger not in sub.triggers:
                continue
            if not any(fnmatchcase(event.app, glob) for glob in sub.apps):
                continue
            if not any(fnmatchcase(event.project, glob) for glob in sub.projects):
                continue
            template = (
                config.templates[sub.template]
                if sub.template is not None
                else DEFAULT_TEMPLATES[trigger]
            )
            text = fill(template, values)
            for name in sub.destinations:
                destination = config.destinations[name]
                body: dict[str, Any] = {"text": text}
                if destination.format is Format.WEBHOOK:
                    body |= {"trigger": str(trigger), "event": event.to_dict()}
                out.append(Message(name, trigger, body, event.id, destination.headers))
    return out
