"""Puts the UI's routes into the API's app: one router, the login redirect, HTML error pages
for the UI's paths (the API's paths keep their JSON errors)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from seaway.api.ui import pages, pipeline_pages, rollout_pages
from seaway.api.ui.auth import LoginRequired, login_url
from seaway.api.ui.render import page

# Reachable without logging in: the login form and the stylesheet and script.
PUBLIC_ROUTES = frozenset({("GET", "/login"), ("POST", "/login"), ("GET", "/ui/static/{name}")})


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


async def _login_first(request: Request, exc: Exception) -> Response:
    after = exc.after if isinstance(exc, LoginRequired) else "/"
    return RedirectResponse(login_url(after), status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException) or _is_api(request.url.path):
        return await http_exception_handler(request, exc)  # type: ignore[arg-type]
    return page(
        request,
        "error.html",
        status_code=exc.status_code,
        code=exc.status_code,
        detail=str(exc.detail),
    )


def mount(api: FastAPI) -> None:
    api.include_router(pages.router)
    api.include_router(rollout_pages.router)
    api.include_router(pipeline_pages.router)
    api.add_exception_handler(LoginRequired, _login_first)
    api.add_exception_handler(HTTPException, _error_page)
