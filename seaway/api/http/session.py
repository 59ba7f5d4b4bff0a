"""/api/v1/session (login, logout, who am I) and /api/v1/tokens (API tokens for CI).

Login is the one route without credentials; the rate limit answers 429 with Retry-After. A
session is a signed token, returned in the body (for the CLI) and set as an HttpOnly,
SameSite=Strict cookie (for the browser, out of reach of scripts and other sites' forms).
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from seaway.api.auth import (
    ApiToken,
    Outcome,
    Principal,
    Scope,
    TokenError,
    TokenRequest,
)
from seaway.api.auth.sessions import DEFAULT_SESSION_SECONDS
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import SESSION_COOKIE, Authed, Ctx, actor, allowed, client_of
from seaway.api.http.schemas import (
    LoginIn,
    LoginOut,
    NewTokenOut,
    TokenIn,
    TokenList,
    TokenOut,
    UserInfo,
    errors,
)

session_router = APIRouter(
    prefix="/api/v1/session", tags=["session"], responses=errors(400, 401, 429)
)
token_router = APIRouter(
    prefix="/api/v1/tokens", tags=["tokens"], responses=errors(400, 401, 403, 404, 409)
)


@session_router.post(
    "",
    summary="Log in with a username and password",
)
async def login(ctx: Ctx, body: LoginIn, request: Request, response: Response) -> LoginOut:
    # argon2 takes a while on purpose: off the event loop, which also runs the controller.
    result = await asyncio.to_thread(
        ctx.access.login, body.username, body.password, client_of(request)
    )
    if not result.ok or result.session is None:
        if result.retry_after > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"{result.reason}; try again in {math.ceil(result.retry_after)} s",
                headers={"Retry-After": str(math.ceil(result.retry_after))},
            )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=result.reason)
    response.set_cookie(
        SESSION_COOKIE,
        result.session,
        max_age=DEFAULT_SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookie,
        path="/",
    )
    return LoginOut(token=result.session)


@session_router.delete("", summary="Log out (forget the session cookie)")
async def logout(ctx: Ctx, who: Authed, request: Request, response: Response) -> UserInfo:
    # Sessions are signed, not stored: this ends the browser's copy. `seaway admin
    # reset-password` (or a password change) ends every session of a user at once.
    response.delete_cookie(SESSION_COOKIE, path="/")
    ctx.access.audit.record(
        actor(who), "logout", who.subject, Outcome.SUCCESS, client=client_of(request)
    )
    return UserInfo(logged_in=False, username=who.subject)


@session_router.get("/userinfo", summary="Who the credentials belong to")
async def userinfo(who: Authed) -> UserInfo:
    return UserInfo(
        username=who.subject,
        token_name=who.token_name,
        scopes=[str(s) for s in who.scopes] if who.scopes is not None else None,
    )


def _token_out(token: ApiToken, now: float) -> TokenOut:
    return TokenOut(
        name=token.name,
        created_by=token.created_by,
        scopes=[str(s) for s in token.scopes],
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        state=token.state(now),
    )


def _is_admin(ctx: ApiContext, who: Principal) -> bool:
    return allowed(ctx, who, "*", "*", "*")


def _may_manage_tokens(ctx: ApiContext, who: Principal) -> None:
    # A token may not mint tokens unless it is an admin token: a leaked CI token must not be
    # able to give itself a longer life.
    if who.scopes is not None and Scope.ADMIN not in who.scopes:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="permission denied: API tokens are managed with a login or an admin token",
        )


@token_router.get("", summary="Your API tokens (an admin sees every token)")
async def list_tokens(ctx: Ctx, who: Authed, include_revoked: bool = False) -> TokenList:
    _may_manage_tokens(ctx, who)
    now = ctx.access.store.clock()
    admin = _is_admin(ctx, who)
    return TokenList(
        items=[
            _token_out(t, now)
            for t in ctx.access.tokens(include_revoked)
            if admin or t.created_by == who.subject
        ]
    )


@token_router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Make an API token acting as you"
)
async def create_token(ctx: Ctx, who: Authed, body: TokenIn, request: Request) -> NewTokenOut:
    _may_manage_tokens(ctx, who)
    asked = TokenRequest(name=body.name, scopes=tuple(body.scopes), expires=body.expires)
    if Scope.ADMIN in asked.scopes and not _is_admin(ctx, who):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="permission denied: only an admin makes admin tokens"
        )
    try:
        made = ctx.access.create_token(asked, who.subject, client=client_of(request))
    except TokenError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return NewTokenOut(token=made.secret, record=_token_out(made.record, ctx.access.store.clock()))


@token_router.delete("/{name}", summary="Revoke an API token")
async def revoke_token(
    ctx: Ctx,
    who: Authed,
    name: Annotated[str, Path(min_length=1, max_length=63)],
    request: Request,
) -> TokenOut:
    _may_manage_tokens(ctx, who)
    live = {t.name: t for t in ctx.access.tokens()}
    token = live.get(name)
    if token is None or (token.created_by != who.subject and not _is_admin(ctx, who)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no live token named {name!r}")
    try:
        revoked = ctx.access.revoke_token(name, actor(who), client=client_of(request))
    except TokenError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    return _token_out(revoked, ctx.access.store.clock())
