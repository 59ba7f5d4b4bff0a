"""/api/v1/events (the kept events) and /api/v1/stream/events (server-sent events, live).

Each client sees only the events of apps it may get. The stream resumes after the id the
browser sends back as Last-Event-ID, from the events the hub keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from seaway.api.auth import Principal
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Authed, Ctx, allowed
from seaway.api.http.schemas import EventList, EventOut, errors
from seaway.notify.events import Event

router = APIRouter(prefix="/api/v1", tags=["events"], responses=errors(401))

# How long a stream waits for an event before looking at whether the server is stopping.
_WAKE_SECONDS = 1.0


def _visible(ctx: ApiContext, who: Principal, event: Event) -> bool:
    return allowed(ctx, who, "applications", "get", f"{event.project or 'default'}/{event.app}")


def _out(event: Event) -> EventOut:
    return EventOut.model_validate(event.to_dict())


@router.get("/events", summary="Recent events (app status changes, rollouts, promotions)")
async def list_events(
    ctx: Ctx,
    who: Authed,
    app: Annotated[str | None, Query(max_length=253)] = None,
    after: Annotated[int, Query(ge=0, description="Only events with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventList:
    found = [e for e in ctx.hub.recent(after, app, limit=1000) if _visible(ctx, who, e)]
    return EventList(items=[_out(e) for e in found[-limit:]])


@router.get(
    "/stream/events", response_class=EventSourceResponse, summary="Live events, as they happen"
)
async def stream_events(
    ctx: Ctx,
    who: Authed,
    app: Annotated[str | None, Query(max_length=253)] = None,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> AsyncIterator[ServerSentEvent]:
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)
    loop = asyncio.get_running_loop()

    def listen(event: Event) -> None:
        loop.call_soon_threadsafe(_offer, queue, event)

    unsubscribe = ctx.hub.subscribe(listen)
    try:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        if after is not None:
            for event in ctx.hub.recent(after, app):
                if _visible(ctx, who, event):
                    yield _sse(event)
        while not ctx.closing.is_set():
            with contextlib.suppress(TimeoutError):
                event = await asyncio.wait_for(queue.get(), _WAKE_SECONDS)
                if after is not None and event.id <= after:
                    continue
                if (app is None or event.app == app) and _visible(ctx, who, event):
                    yield _sse(event)
    finally:
        unsubscribe()


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    # A client too slow to read loses events rather than make the server hold them all; it
    # can catch up from /api/v1/events.
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(event)


def _sse(event: Event) -> ServerSentEvent:
    return ServerSentEvent(
        data=_out(event).model_dump(by_alias=True), event=event.kind, id=str(event.id)
    )
