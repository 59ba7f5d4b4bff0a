"""/api/webhook: Git push events from GitHub, GitLab or any sender that signs like GitHub.

No login: the request is trusted only if its signature verifies with the secret configured
for its provider, compared in constant time. A bad or missing signature gets 401 before the
body is even parsed, and changes nothing. A verified push refreshes, at once, every app that
takes that repository at the pushed branch or tag.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, status

from seaway.api.auth import Outcome
from seaway.api.http.context import ApiContext
from seaway.api.http.deps import Ctx, client_of
from seaway.api.http.schemas import WebhookOut, errors
from seaway.api.webhook.matching import concerns
from seaway.api.webhook.payload import (
    PayloadError,
    Provider,
    Push,
    parse_generic,
    parse_github,
    parse_gitlab,
)
from seaway.api.webhook.signature import verify_hmac, verify_token

router = APIRouter(tags=["webhooks"], responses=errors(400, 401))

GITHUB_EVENT = "X-GitHub-Event"
GITHUB_SIGNATURE = "X-Hub-Signature-256"
GITLAB_EVENT = "X-Gitlab-Event"
GITLAB_TOKEN = "X-Gitlab-Token"  # noqa: S105 (a header's name)
_GITLAB_PUSHES = frozenset({"Push Hook", "Tag Push Hook", "System Hook"})
_PARSERS = {
    Provider.GITHUB: parse_github,
    Provider.GITLAB: parse_gitlab,
    Provider.GENERIC: parse_generic,
}


def _provider(ctx: ApiContext, request: Request) -> Provider:
    headers = request.headers
    if GITHUB_EVENT in headers:
        return Provider.GITHUB
    if GITLAB_EVENT in headers:
        return Provider.GITLAB
    if ctx.webhooks.generic_header in headers:
        return Provider.GENERIC
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=f"unsigned request: expected {GITHUB_EVENT} with {GITHUB_SIGNATURE}, "
        f"{GITLAB_EVENT} with {GITLAB_TOKEN}, or {ctx.webhooks.generic_header}",
    )


def _verified(ctx: ApiContext, provider: Provider, request: Request, body: bytes) -> bool:
    secret = ctx.webhooks.secret(provider)
    if secret is None:
        return False
    if provider is Provider.GITLAB:
        return verify_token(secret, request.headers.get(GITLAB_TOKEN))
    header = GITHUB_SIGNATURE if provider is Provider.GITHUB else ctx.webhooks.generic_header
    return verify_hmac(secret, body, request.headers.get(header))


def _event(provider: Provider, request: Request) -> str:
    if provider is Provider.GITHUB:
        return request.headers.get(GITHUB_EVENT, "")
    if provider is Provider.GITLAB:
        return request.headers.get(GITLAB_EVENT, "")
    return "push"


def _is_push(provider: Provider, event: str) -> bool:
    if provider is Provider.GITHUB:
        return event == "push"
    if provider is Provider.GITLAB:
        return event in _GITLAB_PUSHES
    return True


def _json(request: Request, body: bytes) -> dict[str, Any]:
    try:
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            # GitHub's other content type: the JSON is in the `payload` form field.
            body = parse_qs(body.decode())["payload"][0].encode()
        data = json.loads(body)
    except (ValueError, KeyError, UnicodeDecodeError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="the body is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="the body is not a JSON object")
    return data


@router.post(
    "/api/webhook",
    summary="A Git push from GitHub, GitLab or a generic sender (signed; no login)",
)
async def webhook(ctx: Ctx, request: Request) -> WebhookOut:
    provider = _provider(ctx, request)
    body = await request.body()
    if not _verified(ctx, provider, request, body):
        configured = ctx.webhooks.secret(provider) is not None
        ctx.access.audit.record(
            f"webhook:{provider}",
            "webhook",
            "-",
            Outcome.DENIED,
            client=client_of(request),
            detail={"why": "bad signature" if configured else "no secret configured"},
        )
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="the signature does not verify"
            if configured
            else f"this server has no {provider} webhook secret configured",
        )
    event = _event(provider, request)
    if not _is_push(provider, event):
        return WebhookOut(provider=provider, event=event, message=f"{event!r} events are ignored")
    try:
        push = _PARSERS[provider](_json(request, body))
    except PayloadError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    refreshed = await _refresh(ctx, push)
    ctx.access.audit.record(
        f"webhook:{provider}",
        "webhook.refresh",
        push.repo_urls[0],
        Outcome.SUCCESS,
        client=client_of(request),
        detail={"ref": push.ref, "apps": ",".join(refreshed)},
    )
    return WebhookOut(
        provider=provider,
        event=event,
        refreshed=refreshed,
        message=f"{len(refreshed)} app(s) refreshed",
    )


async def _refresh(ctx: ApiContext, push: Push) -> list[str]:
    names = []
    for stored in await ctx.apps.apps():
        if stored.app is None:
            continue
        sources = [(s.repo_url, s.target_revision) for s in stored.app.spec.all_sources()]
        if concerns(push, sources):
            ctx.controller.enqueue(stored.name, refresh=True)
            names.append(stored.name)
    return sorted(names)
