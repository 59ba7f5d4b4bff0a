"""Events of one Seaway process, and the hub they are published to.

The controller publishes app status changes; rollouts, promotion and gates publish their own
events with `emit`. Listeners (the API's event stream, the notifier) subscribe to the hub. A
listener is called on the publisher's thread and must return at once: it queues, it never
sends. The hub keeps the last events so a client that reconnects can catch up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

log = logging.getLogger("seaway.notify")

KEPT_EVENTS = 1000


class Trigger(StrEnum):
    """What a subscription listens for; Argo CD notifications' trigger names, where it has one."""

    OUT_OF_SYNC = "on-out-of-sync"
    DEGRADED = "on-degraded"
    SYNC_FAILED = "on-sync-failed"
    ROLLOUT_ABORTED = "on-rollout-aborted"
    PROMOTION_WAITING = "on-promotion-waiting"
    GATE_REFUSED = "on-gate-refused"


@dataclass(frozen=True)
class Event:
    """One thing that happened to one app. `kind` says what (`app.status`, `rollout.aborted`,
    ...); `triggers` which notifications it fires; `id` is given by the hub, in order."""

    kind: str
    app: str
    project: str = ""
    sync: str = ""
    health: str = ""
    phase: str = ""
    revision: str = ""
    message: str = ""
    triggers: tuple[Trigger, ...] = ()
    detail: Mapping[str, str] = field(default_factory=dict)
    at: float = 0.0
    id: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["triggers"] = [str(t) for t in self.triggers]
        data["detail"] = dict(self.detail)
        return data


Listener = Callable[[Event], None]


class Hub:
    def __init__(self, keep: int = KEPT_EVENTS, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._recent: deque[Event] = deque(maxlen=keep)
        self._listeners: list[Listener] = []
        self._next_id = 1
        self._clock = clock

    def publish(self, event: Event) -> Event:
        with self._lock:
            stamped = replace(event, id=self._next_id, at=event.at or self._clock())
            self._next_id += 1
            self._recent.append(stamped)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(stamped)
            except Exception:
                # One broken listener must not stop the controller or the other listeners.
                log.exception("an event listener failed on event %d", stamped.id)
        return stamped

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def recent(
        self, after: int = 0, app: str | None = None, limit: int = KEPT_EVENTS
    ) -> list[Event]:
        """Kept events newer than id `after`, oldest first."""
        with self._lock:
            found = [e for e in self._recent if e.id > after and (app is None or e.app == app)]
        return found[-limit:] if limit > 0 else []


default_hub = Hub()


def emit(
    kind: str,
    app: str,
    *,
    trigger: Trigger | None = None,
    message: str = "",
    hub: Hub | None = None,
    **fields: str,
) -> Event:
    """Publish an event of a rollout, a promotion or a gate (e.g. `emit("rollout.aborted",
    "web", trigger=Trigger.ROLLOUT_ABORTED, message="analysis failed", revision=sha)`).
    Fields that Event has go there; any others go into `detail`."""
    extra = {k: v for k, v in fields.items() if k not in _EVENT_FIELDS}
    event = Event(
        kind,
        app,
        project=fields.get("project", ""),
        sync=fields.get("sync", ""),
        health=fields.get("health", ""),
        phase=fields.get("phase", ""),
        revision=fields.get("revision", ""),
        message=message,
        triggers=(trigger,) if trigger is not None else (),
        detail=extra,
    )
    return (hub or default_hub).publish(event)


_EVENT_FIELDS = frozenset({"project", "sync", "health", "phase", "revision"})
