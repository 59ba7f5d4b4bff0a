"""Who looks at a page: the API's session cookie, or a redirect to the login form.

Forms post with the session cookie, which is SameSite=Strict (other sites' forms do not carry
it); a post whose Origin names another site is refused as well, for older browsers.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie

from seaway.api.auth import Principal
from seaway.api.http.deps import SESSION_COOKIE, Ctx, principal

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)

# A posted form is small; anything larger is not one of ours.
MAX_FORM_BYTES = 16 * 1024


class LoginRequired(Exception):
    """The page needs a logged-in user; answered with a redirect to /login."""

    def __init__(self, after: str) -> None:
        super().__init__(after)
        self.after = after


def login_url(after: str) -> str:
    return f"/login?next={quote(after, safe='/')}" if after and after != "/" else "/login"


def safe_next(raw: str | None) -> str:
    """Only a path on this site: `next` must not send a user elsewhere after logging in."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


def viewer(
    ctx: Ctx, request: Request, cookie: Annotated[str | None, Depends(_cookie)]
) -> Principal:
    try:
        return principal(ctx, None, cookie)
    except HTTPException:
        after = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(after) from None


Viewer = Annotated[Principal, Depends(viewer)]


def same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="a form from another site")


async def form(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (the first value of each)."""
    same_origin(request)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail="form too large")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}
