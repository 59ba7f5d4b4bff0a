"""Who is asking (a bearer token or the session cookie) and whether they may: the dependencies
every route but login, health and webhooks declares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from seaway.api.auth import AuthenticationError, Outcome, Principal
from seaway.api.http.context import ApiContext

SESSION_COOKIE = "seaway.token"

_bearer = HTTPBearer(auto_error=False, description="An API token (swt_...) or a session token.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The session cookie.")


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.seaway
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


def principal(
    ctx: Ctx,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    credential = bearer.credentials if bearer is not None else cookie
    if not credential:
        raise unauthorized("log in first: send Authorization: Bearer <token>")
    try:
        return ctx.access.authenticate(credential)
    except AuthenticationError as exc:
        raise unauthorized(str(exc)) from None


Authed = Annotated[Principal, Depends(principal)]


def actor(who: Principal) -> str:
    return f"{who.subject} (token {who.token_name})" if who.token_name else who.subject


def require(
    ctx: ApiContext,
    who: Principal,
    resource: str,
    action: str,
    obj: str,
    *,
    client: str = "",
    audit: bool = False,
) -> None:
    """403 unless RBAC (and the token's scopes) allow; a refused change is audited."""
    decision = ctx.access.authorize(who, ctx.enforcer, resource, action, obj)
    if decision.allowed:
        return
    if audit:
        ctx.access.audit.record(
            actor(who),
            f"{resource}.{action}",
            obj,
            Outcome.DENIED,
            client=client,
            detail={"why": decision.explain()},
        )
    raise HTTPException(
        status.HTTP_403_FORBIDDEN, detail=f"permission denied: {decision.explain()}"
    )


def allowed(ctx: ApiContext, who: Principal, resource: str, action: str, obj: str) -> bool:
    return ctx.access.authorize(who, ctx.enforcer, resource, action, obj).allowed
