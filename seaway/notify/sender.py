"""Sending notification messages: a background worker with a bounded queue, retries with
exponential backoff, and a publisher that never waits.

The hub calls `Notifier.listen` on the publisher's thread (the controller's loop, or a thread of
a rollout); it only turns the event into messages and queues them. A full queue drops the
newest message with a log line rather than slow the controller down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx2

from seaway.notify.config import Destination, NotifyConfig
from seaway.notify.events import Event, Hub
from seaway.notify.render import Message, messages

log = logging.getLogger("seaway.notify")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return float(min(self.first_delay * 2 ** (attempt - 1), self.max_delay))


class DestinationError(Exception):
    """A destination whose URL cannot be found; names the destination, never the URL."""


def destination_url(name: str, destination: Destination) -> str:
    if destination.url:
        return destination.url
    if destination.url_from_env:
        value = os.environ.get(destination.url_from_env, "").strip()
        if not value:
            raise DestinationError(
                f"destination {name!r}: environment variable {destination.url_from_env} is unset"
            )
        return value
    path = Path(destination.url_from_file or "")
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DestinationError(
            f"destination {name!r}: cannot read {path}: {exc.strerror or exc}"
        ) from None


# Worth another try: the receiver may be back soon. Other 4xx are our request's fault.
_RETRY_STATUSES = frozenset({408, 425, 429})


class Notifier:
    def __init__(
        self,
        config: NotifyConfig,
        *,
        retry: RetryPolicy | None = None,
        queue_size: int = 1000,
        workers: int = 4,
    ) -> None:
        self.config = config
        self.retry = retry or RetryPolicy()
        self.workers = workers
        self.sent = 0
        self.failed = 0
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=queue_size)
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, hub: Hub) -> Callable[[], None]:
        """Listen to `hub` from the running loop; returns the function that stops listening."""
        self._loop = asyncio.get_running_loop()
        return hub.subscribe(self.listen)

    def listen(self, event: Event) -> None:
        if not event.triggers or self._loop is None:
            return
        for message in messages(self.config, event):
            self._loop.call_soon_threadsafe(self._enqueue, message)

    def _enqueue(self, message: Message) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.failed += 1
            log.warning(
                "notification %s for event %d to %r dropped: the queue is full",
                message.trigger,
                message.event_id,
                message.destination,
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; messages still queued then are dropped with a log line."""
        async with httpx2.AsyncClient() as client:
            workers = [asyncio.create_task(self._work(client)) for _ in range(self.workers)]
            try:
                await stop.wait()
            finally:
                for task in workers:
                    task.cancel()
                for task in workers:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        if not self._queue.empty():
            log.warning("%d notification(s) not sent: Seaway is stopping", self._queue.qsize())

    async def _work(self, client: httpx2.AsyncClient) -> None:
        while True:
            message = await self._queue.get()
            if await self.send(client, message):
                self.sent += 1
            else:
                self.failed += 1

    async def send(self, client: httpx2.AsyncClient, message: Message) -> bool:
        destination = self.config.destinations[message.destination]
        try:
            url = destination_url(message.destination, destination)
        except DestinationError as exc:
            log.error("notification %s not sent: %s", message.trigger, exc)
            return False
        for attempt in range(1, self.retry.attempts + 1):
            why = await _post(client, url, message, destination.timeout_seconds)
            if why is None:
                return True
            final = attempt == self.retry.attempts or why.startswith("refused")
            log.warning(
                "notification %s to %r, attempt %d of %d: %s%s",
                message.trigger,
                message.destination,
                attempt,
                self.retry.attempts,
                why,
                "" if final else f"; trying again in {self.retry.delay(attempt):g} s",
            )
            if final:
                return False
            await asyncio.sleep(self.retry.delay(attempt))
        return False


async def _post(
    client: httpx2.AsyncClient, url: str, message: Message, timeout: float
) -> str | None:
    """None when delivered, else why not; "refused ..." when another try cannot help."""
    try:
        response = await client.post(
            url, json=dict(message.body), headers=dict(message.headers), timeout=timeout
        )
    except httpx2.HTTPError as exc:
        # The exception's text may hold the URL, which is a secret: only its kind is said.
        return f"{type(exc).__name__}"
    if response.is_success:
        return None
    if 400 <= response.status_code < 500 and response.status_code not in _RETRY_STATUSES:
        return f"refused with HTTP {response.status_code}"
    return f"HTTP {response.status_code}"
