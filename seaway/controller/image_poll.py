"""The controller's image poller: every interval, each Application that lists images
(`argocd-image-updater.argoproj.io/image-list`) is polled and a newer image written back to its
environment repo; the commit then reaches the app like any other (poll or webhook).

An edge step around `seaway.promote.poll`: one app's bad annotations or a registry that is down
are logged and never stop the others or the controller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from dataclasses import dataclass

from seaway.controller.stored import AppStore
from seaway.model import Application
from seaway.promote.poll import IMAGE_LIST, PollError, PollResult, poll_app
from seaway.promote.writeback import Author
from seaway.registry import RegistryClient, RegistryError

log = logging.getLogger("seaway.controller.image_poll")

AUTHOR = Author("Seaway image poller", "seaway@localhost")


@dataclass
class ImagePoller:
    apps: AppStore
    interval: float
    insecure_registries: Collection[str] = ()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
            if not stop.is_set():
                await self.poll_once()

    async def poll_once(self) -> dict[str, list[PollResult]]:
        done: dict[str, list[PollResult]] = {}
        for stored in await self.apps.apps():
            app = stored.app
            if app is None or not app.metadata.annotations.get(IMAGE_LIST):
                continue
            done[app.name] = await asyncio.to_thread(self._poll, app)
        return done

    def _poll(self, app: Application) -> list[PollResult]:
        try:
            with RegistryClient(insecure=self.insecure_registries) as client:
                results = poll_app(app, client, author=AUTHOR)
        except (PollError, RegistryError) as exc:
            log.error("image poll of %s: %s", app.name, exc)
            return []
        for result in results:
            level = logging.ERROR if result.failed else logging.INFO
            log.log(level, "image poll of %s: %s: %s", app.name, result.alias, result.message)
        return results
