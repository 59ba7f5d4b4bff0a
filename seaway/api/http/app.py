"""The FastAPI application: every route needs credentials except login, health and the
signed webhooks. The OpenAPI document is served to logged-in clients at /api/openapi.json
(the interactive docs pages are off: they load scripts from a CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

import seaway
from seaway.api.http import applications, events, gates, pipelines, rollouts, webhooks
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Authed
from seaway.api.http.schemas import Health, errors
from seaway.api.http.session import session_router, token_router
from seaway.api.ui.mount import PUBLIC_ROUTES as UI_PUBLIC_ROUTES
from seaway.api.ui.mount import mount as mount_ui

# Routes reachable without credentials; a test checks that every other route refuses them.
PUBLIC_ROUTES = (
    frozenset({("GET", "/healthz"), ("POST", "/api/v1/session"), ("POST", "/api/webhook")})
    | UI_PUBLIC_ROUTES
)


def create_app(ctx: ApiContext) -> FastAPI:
    api = FastAPI(
        title="Seaway",
        version=seaway.__version__,
        description="GitOps continuous delivery: applications, pipelines, gates, events, sessions, "
        "webhooks.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    api.state.seaway = ctx
    api.include_router(applications.router)
    api.include_router(rollouts.router)
    api.include_router(events.router)
    api.include_router(pipelines.router)
    api.include_router(gates.router)
    api.include_router(session_router)
    api.include_router(token_router)
    api.include_router(webhooks.router)
    mount_ui(api)

    @api.get("/healthz", tags=["health"], summary="Whether the server answers")
    async def healthz() -> Health:
        return Health()

    @api.get(
        "/api/openapi.json",
        tags=["meta"],
        summary="This API's OpenAPI document",
        responses=errors(401),
    )
    async def openapi(who: Authed) -> dict[str, Any]:
        return api.openapi()

    return api
