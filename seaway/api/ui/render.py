"""The templates (package data) and how a page is answered."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

import seaway

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("seaway.api.ui", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)


def page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("user", None)
    values["version"] = seaway.__version__
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    # Pages show live state and may hold things only a logged-in user should see.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return response
