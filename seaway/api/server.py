"""One process that runs a controller and the HTTP API over it (uvicorn), and the
notifications; `seaway server` and the tests start it the same way.

Stopping is graceful: the API stops taking requests and ends its event streams, then the
controller's workers stop (a sync in flight resumes at its step on the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from seaway.api.auth import Access, Enforcer, parse_policy
from seaway.api.http import ApiContext, create_app
from seaway.api.webhook.secrets import WebhookSecrets
from seaway.controller.events import observe
from seaway.controller.loop import Controller
from seaway.controller.promotion import PromotionLoop
from seaway.controller.rollout_ops import rollout_target
from seaway.notify.config import NotifyConfig, parse_config
from seaway.notify.events import Hub
from seaway.notify.sender import Notifier

log = logging.getLogger("seaway.server")

Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def load_enforcer(policy: Path | None, default_role: str | None) -> Enforcer:
    """The built-in roles plus a policy.csv; raises PolicyError naming each bad line."""
    text = policy.read_text(encoding="utf-8") if policy is not None else ""
    return Enforcer(parse_policy(text, str(policy or "policy.csv"), default_role))


def load_notifications(path: Path | None) -> NotifyConfig | None:
    """None without a file; raises NotifyConfigError naming the file and each bad field."""
    if path is None:
        return None
    return parse_config(path.read_text(encoding="utf-8"), str(path))


class _Uvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn would re-raise the signal once it stops, killing the process before the
        # controller has stopped; the ApiServer's owner handles signals instead.
        yield


@dataclass
class ApiServer:
    controller: Controller
    access: Access
    host: str = "127.0.0.1"
    port: int = 8080
    enforcer: Enforcer = field(default_factory=Enforcer)
    webhooks: WebhookSecrets = field(default_factory=WebhookSecrets)
    notifications: NotifyConfig | None = None
    hub: Hub = field(default_factory=Hub)
    # Other work that runs as long as the server (e.g. reloading app files).
    background: list[Background] = field(default_factory=list)
    secure_cookie: bool = False
    notifier: Notifier | None = None
    # The promotion loop the controller runs, for the UI's pipeline page (it runs elsewhere).
    promotions: PromotionLoop | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _uvicorn: _Uvicorn | None = None
    _serving: asyncio.Task[None] | None = None
    _unsubscribe: Callable[[], None] | None = None

    _ctx: ApiContext | None = None
    api: FastAPI | None = None

    @property
    def context(self) -> ApiContext:
        if self._ctx is None:
            raise RuntimeError("the server has not started")
        return self._ctx

    async def start(self) -> None:
        observe(self.controller, self.hub)
        ctx = self._ctx = ApiContext(
            access=self.access,
            controller=self.controller,
            hub=self.hub,
            enforcer=self.enforcer,
            webhooks=self.webhooks,
            rollouts=rollout_target(self.controller),
            secure_cookie=self.secure_cookie,
            promotions=self.promotions,
        )
        if self.notifications is not None:
            self.notifier = Notifier(self.notifications)
            self._unsubscribe = self.notifier.attach(self.hub)
            self._tasks.append(asyncio.create_task(self.notifier.run(self._stop)))
        self._tasks.append(asyncio.create_task(self.controller.run(self._stop)))
        self._tasks.extend(asyncio.create_task(work(self._stop)) for work in self.background)
        self.api = create_app(ctx)
        config = uvicorn.Config(
            self.api,
            host=self.host,
            port=self.port,
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
        self._uvicorn = _Uvicorn(config)
        self._serving = asyncio.create_task(self._uvicorn.serve())
        while not self._uvicorn.started:
            if self._serving.done():
                await self.stop()
                raise OSError(f"cannot listen on {self.host}:{self.port} (see the log above)")
            await asyncio.sleep(0.02)
        self.port = self._uvicorn.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def request_stop(self) -> None:
        """Begin a graceful stop (safe from a signal handler)."""
        if self._ctx is not None:
            self._ctx.closing.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True

    async def wait(self) -> None:
        if self._serving is not None:
            with contextlib.suppress(SystemExit, asyncio.CancelledError):
                await self._serving

    async def stop(self) -> None:
        self.request_stop()
        await self.wait()
        self._stop.set()
        for task in self._tasks:
            try:
                await task
            except Exception:
                log.exception("a background task failed while stopping")
        if self._unsubscribe is not None:
            self._unsubscribe()


async def serve_until_signal(server: ApiServer, on_listening: Callable[[str], None]) -> None:
    """Start, tell where it listens, run until SIGINT or SIGTERM, then stop gracefully."""
    loop = asyncio.get_running_loop()
    await server.start()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, server.request_stop)
    on_listening(server.url)
    try:
        await server.wait()
    finally:
        await server.stop()
