"""What the pipeline, gate and attestation routes return (camelCase, as the rest of the API)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from seaway.api.http.schemas import Out


class HoldOut(Out):
    kind: str = Field(description="health, analysis, soak, approval, window, gate, stopped, ...")
    message: str
    failed: bool = Field(description="A failed check (automation stops), not a wait.")
    until: dt.datetime | None = None


class ApprovalOut(Out):
    user: str
    roles: list[str]
    at: dt.datetime


class GateOut(Out):
    source: str = Field(description="The stage the release comes from.")
    incoming: str = Field(description="The release waiting at the gate ('' if none).")
    up_to_date: bool
    ready: bool
    waiting_for_approval: bool = Field(description="A manual stage waits for a person.")
    holds: list[HoldOut]
    approvals: list[ApprovalOut]


class OriginOut(Out):
    at: dt.datetime | None = None
    promoted_from: str = ""
    promoted_by: str = ""
    automatic: bool = False
    approvers: list[str] = Field(default_factory=list)
    commit: str = ""
    pull_request: str = ""
    author: str = ""
    subject: str = ""


class StageOut(Out):
    name: str
    promotion: str
    branch: str
    folder: str
    apps: list[str]
    release: str = Field(description="What the stage runs ('' if unreadable).")
    images: list[str]
    revision: str
    problem: str = ""
    since: dt.datetime | None = None
    origin: OriginOut | None = None
    gate: GateOut | None = None


class PipelineSummary(Out):
    name: str
    repo_url: str
    stages: list[str]


class PipelineList(Out):
    items: list[PipelineSummary]


class PipelineOut(Out):
    name: str
    repo_url: str
    stages: list[StageOut]


class PromotionOut(Out):
    id: int
    pipeline: str
    source: str
    target: str
    release: str
    label: str
    images: list[str]
    commit: str
    pull_request: str
    by: str
    approvers: list[str]
    automatic: bool
    at: dt.datetime


class PromotionList(Out):
    items: list[PromotionOut]


class ApproveOut(Out):
    pipeline: str
    stage: str
    approved: bool = Field(description="This request recorded an approval.")
    promoted: bool
    message: str
    promotion: PromotionOut | None = None
    gate: GateOut


class GateEventOut(Out):
    id: int
    app: str
    project: str
    image: str
    reason: str
    at: float


class GateEventList(Out):
    items: list[GateEventOut]
