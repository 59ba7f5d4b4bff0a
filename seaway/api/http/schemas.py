"""What the API takes and returns, as Pydantic models (they make the OpenAPI document).
Field names are camelCase, as in Argo CD's API and the objects it returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from seaway.api.auth import Scope
from seaway.api.auth.tokens import DEFAULT_EXPIRY


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)


class In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="forbid")


class Problem(Out):
    detail: Any = Field(description="What went wrong, for people.")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for the OpenAPI document."""
    meaning = {
        400: "The body is not valid JSON",
        401: "No credentials, or ones that do not verify",
        403: "The credentials do not allow this",
        404: "No such object",
        409: "Refused as things stand (the message says why)",
        429: "Too many failed logins: wait Retry-After seconds",
    }
    return {code: {"model": Problem, "description": meaning[code]} for code in codes}


class Health(Out):
    status: str = "ok"


class AppSummary(Out):
    name: str
    project: str
    sync: str = ""
    health: str = ""
    health_message: str = ""
    revision: str = ""
    operation_phase: str = ""
    conditions: list[str] = Field(default_factory=list)
    valid: bool = True


class AppList(Out):
    items: list[AppSummary]


class AppDetail(Out):
    summary: AppSummary
    # The Application as Argo CD spells it: metadata, spec, status, operation.
    object: dict[str, Any]


class ResourceNode(Out):
    group: str = ""
    version: str = ""
    kind: str
    namespace: str = ""
    name: str
    status: str = ""
    health: dict[str, str] = Field(default_factory=dict)
    hook: bool = False
    requires_pruning: bool = False


class ResourceTree(Out):
    nodes: list[ResourceNode]


class ResourceDiffOut(Out):
    resource: str
    diff: str


class DiffOut(Out):
    revision: str
    in_sync: bool
    resources: list[ResourceDiffOut]


class HistoryEntry(Out):
    id: int
    revision: str = ""
    deploy_started_at: str = ""
    deployed_at: str = ""


class HistoryOut(Out):
    items: list[HistoryEntry]


class SyncIn(In):
    # Strict: `"prune": 0` is a mistake to report, not a false to guess.
    prune: bool = Field(default=False, strict=True)
    revision: str | None = Field(default=None, max_length=256)


class RollbackIn(In):
    id: int = Field(ge=0, description="The history entry's id, from the history route.")
    prune: bool = Field(default=False, strict=True)


class Accepted(Out):
    app: str
    message: str
    operation: dict[str, Any] = Field(default_factory=dict)


class EventOut(Out):
    id: int
    kind: str
    app: str
    project: str = ""
    sync: str = ""
    health: str = ""
    phase: str = ""
    revision: str = ""
    message: str = ""
    triggers: list[str] = Field(default_factory=list)
    detail: dict[str, str] = Field(default_factory=dict)
    at: float


class EventList(Out):
    items: list[EventOut]


class LoginIn(In):
    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024, repr=False)


class LoginOut(Out):
    token: str = Field(repr=False)


class UserInfo(Out):
    logged_in: bool = True
    username: str
    token_name: str | None = None
    scopes: list[str] | None = None


class TokenIn(In):
    """A new API token: it acts as its creator, narrowed to its scopes."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    scopes: list[Scope] = Field(min_length=1)
    expires: str = Field(
        default=DEFAULT_EXPIRY,
        pattern=r"^(never|[1-9][0-9]{0,5}[smhdw])$",
        description="A lifetime such as 30d, 12h or 2w, or never.",
    )


class TokenOut(Out):
    name: str
    created_by: str
    scopes: list[str]
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    state: str


class TokenList(Out):
    items: list[TokenOut]


class NewTokenOut(Out):
    token: str = Field(repr=False, description="Shown once: Seaway keeps only its hash.")
    record: TokenOut


class WebhookOut(Out):
    provider: str
    event: str
    refreshed: list[str] = Field(default_factory=list)
    message: str = ""


class RolloutOut(Out):
    namespace: str
    name: str
    phase: str = ""
    message: str = ""
    step: int | None = None
    # The Rollout's status as the driver writes it (Argo Rollouts' shape).
    status: dict[str, Any] = Field(default_factory=dict)


class RolloutList(Out):
    items: list[RolloutOut]
