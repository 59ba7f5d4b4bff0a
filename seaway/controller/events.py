"""App status changes as events: an AppStore wrapper that publishes every change of sync,
health, operation or revision to a hub, with the notification triggers it fires.

It wraps whichever store the controller uses (a cluster's or Seaway's own), so the events are
the same for both backends, and the controller itself does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seaway.controller.loop import Controller
from seaway.controller.stored import AppStore, StoredApp
from seaway.model import AppProject
from seaway.notify.events import Event, Hub, Trigger, default_hub
from seaway.notify.triggers import AppState, changed, fired, state_of
from seaway.rollout.driver import RolloutDriver, RolloutEvent

APP_STATUS = "app.status"


def project_of(stored: StoredApp) -> str:
    if stored.app is not None:
        return stored.app.spec.project_name
    return str((stored.raw.get("spec") or {}).get("project") or "default")


class ObservedApps:
    def __init__(self, inner: AppStore, hub: Hub) -> None:
        self.inner = inner
        self.hub = hub
        self.namespace = inner.namespace
        self._states: dict[str, AppState] = {}
        self._projects: dict[str, str] = {}

    def _seen(self, stored: StoredApp) -> StoredApp:
        # The first status seen is the baseline: a restart does not re-announce old states.
        self._states.setdefault(stored.name, state_of(stored.status))
        self._projects[stored.name] = project_of(stored)
        return stored

    async def apps(self) -> list[StoredApp]:
        return [self._seen(s) for s in await self.inner.apps()]

    async def app(self, name: str) -> StoredApp | None:
        stored = await self.inner.app(name)
        return self._seen(stored) if stored is not None else None

    async def projects(self) -> list[AppProject]:
        return await self.inner.projects()

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        await self.inner.write_status(name, status)
        before = self._states.get(name, AppState())
        after = state_of(status)
        self._states[name] = after
        if changed(before, after):
            self.hub.publish(
                Event(
                    APP_STATUS,
                    name,
                    project=self._projects.get(name, ""),
                    sync=after.sync,
                    health=after.health,
                    phase=after.phase,
                    revision=after.revision,
                    message=after.message,
                    triggers=fired(before, after),
                )
            )

    async def clear_operation(self, name: str) -> None:
        await self.inner.clear_operation(name)

    async def remove_finalizers(self, name: str, keep: list[str]) -> None:
        await self.inner.remove_finalizers(name, keep)

    async def request_sync(self, name: str, operation: Mapping[str, Any]) -> None:
        await self.inner.request_sync(name, operation)

    async def clear_refresh(self, name: str) -> None:
        await self.inner.clear_refresh(name)

    async def close(self) -> None:
        await self.inner.close()


def observe(controller: Controller, hub: Hub) -> ObservedApps:
    """Make `controller` publish its apps' status changes to `hub`."""
    observed = ObservedApps(controller.apps, hub)
    controller.apps = observed
    return observed


# Rollout engine events that people are notified of, by reason.
_ROLLOUT_TRIGGERS = {"RolloutAborted": Trigger.ROLLOUT_ABORTED}


def publish_rollout_events(driver: RolloutDriver, hub: Hub = default_hub) -> None:
    """Publish every event of the driver's rollouts to `hub` (`rollout.<Reason>`); an abort
    fires on-rollout-aborted. The event names the Rollout's Application (its tracking label),
    or the Rollout itself when it belongs to none."""

    def listen(event: RolloutEvent) -> None:
        trigger = _ROLLOUT_TRIGGERS.get(event.reason)
        hub.publish(
            Event(
                f"rollout.{event.reason}",
                event.app or event.name,
                message=event.message,
                triggers=(trigger,) if trigger is not None else (),
                detail={"namespace": event.namespace, "rollout": event.name},
            )
        )

    driver.subscribe(listen)
