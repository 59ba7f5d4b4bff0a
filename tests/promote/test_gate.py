"""The gate into a stage, judged from given states: what holds a release, in which words, and
which holds are failed checks (they stop automated promotion) rather than waits."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from seaway.model.pipeline import Stage
from seaway.promote.gate import (
    Approver,
    AppState,
    GateInput,
    Hold,
    HoldKind,
    RolloutState,
    judge,
)
from seaway.promote.release import Release
from seaway.promote.writeback import parse_image_ref

NOW = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)
V1 = Release((parse_image_ref("registry.example/web:v1"),))
V2 = Release((parse_image_ref("registry.example/web:v2"),))
DEV = Stage.model_validate({"name": "dev", "apps": ["web-dev"], "branch": "dev"})
HEALTHY = AppState("web-dev", health="Healthy", sync="Synced", revision="abc")


def gate(target: dict[str, Any] | None = None, **extra: Any) -> GateInput:
    stage = Stage.model_validate(
        {
            "name": "prod",
            "apps": ["web-prod"],
            "branch": "prod",
            "promotion": "auto",
            **(target or {}),
        }
    )
    fields: dict[str, Any] = {
        "target": stage,
        "source": DEV,
        "release": V2,
        "revision": "abc",
        "current": V1,
        "apps": (HEALTHY,),
        "healthy_since": NOW - dt.timedelta(hours=1),
        "now": NOW,
        **extra,
    }
    return GateInput(**fields)


def messages(result: GateInput) -> list[tuple[str, str, bool]]:
    return [(h.kind.value, h.message, h.failed) for h in judge(result).holds]


def test_a_healthy_auto_stage_is_ready() -> None:
    verdict = judge(gate())
    assert verdict.ready
    assert verdict.holds == ()


def test_the_same_release_is_up_to_date() -> None:
    verdict = judge(gate(current=V2))
    assert verdict.up_to_date
    assert not verdict.ready


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (
            replace(HEALTHY, health="Progressing"),
            [("health", "app web-dev is Progressing, not Healthy", False)],
        ),
        (
            replace(HEALTHY, health="Degraded", health_message="CrashLoopBackOff"),
            [("health", "app web-dev is Degraded: CrashLoopBackOff", True)],
        ),
        (replace(HEALTHY, sync="OutOfSync"), [("health", "app web-dev is OutOfSync", False)]),
        (
            replace(HEALTHY, revision="0ld", health="Degraded"),
            [("health", "app web-dev runs 0ld, not yet the release's revision abc", False)],
        ),
        (
            AppState("web-dev", found=False),
            [("health", "app web-dev of stage dev not found", False)],
        ),
        (
            replace(HEALTHY, rollouts=(RolloutState("web", "Degraded", "Rollout aborted", True),)),
            [("analysis", "rollout web of app web-dev is aborted: Rollout aborted", True)],
        ),
        (
            replace(HEALTHY, rollouts=(RolloutState("web", "Paused", "analysis running"),)),
            [("analysis", "rollout web of app web-dev is Paused: analysis running", False)],
        ),
    ],
)
def test_health_and_analysis_holds(app: AppState, expected: list[tuple[str, str, bool]]) -> None:
    assert messages(gate(apps=(app,))) == expected


def test_checks_can_be_turned_off() -> None:
    sick = replace(HEALTHY, health="Degraded", rollouts=(RolloutState("r", "Degraded"),))
    assert judge(gate({"checks": {"healthy": False, "analysis": False}}, apps=(sick,))).ready


def test_soak_time_left_and_when_it_ends() -> None:
    result = gate({"soak": "90m"})
    [hold] = judge(result).holds
    assert hold.kind is HoldKind.SOAK
    assert hold.until == NOW + dt.timedelta(minutes=30)
    assert hold.message == (
        "soak time: dev has run Healthy since 2026-06-03T11:00:00Z; 30m of 90m left"
    )
    assert judge(replace(result, now=NOW + dt.timedelta(minutes=30))).ready


def test_manual_stage_needs_one_approval_by_default() -> None:
    result = gate({"promotion": "manual"})
    assert messages(result) == [
        ("approval", "needs 1 more approval (1 from people); approved by: none", False)
    ]
    approved = replace(result, approvals=(Approver("carol", (), NOW),))
    assert judge(approved).ready


def test_two_approvers_with_roles() -> None:
    policy = {"promotion": "manual", "approvals": {"count": 2, "roles": ["role:admin"]}}
    result = gate(
        policy,
        approvals=(
            Approver("alice", ("role:admin",), NOW),
            Approver("eve", ("role:readonly",), NOW),
        ),
    )
    assert messages(result) == [
        (
            "approval",
            "needs 1 more approval (2 from people holding role:admin); approved by: alice; "
            "not counted (role missing): eve",
            False,
        )
    ]
    both = replace(result, approvals=(*result.approvals, Approver("bob", ("role:admin", "x"), NOW)))
    assert judge(both).ready


def test_window_gate_and_stop_holds_are_reported_together() -> None:
    window = Hold(HoldKind.WINDOW, "held by a deny window", until=NOW + dt.timedelta(hours=2))
    scan = Hold(HoldKind.GATE, "image web:v2 has 2 critical vulnerabilities", failed=True)
    verdict = judge(gate(window=window, gates=(scan,), stopped="stopped before"))
    assert [h.kind for h in verdict.holds] == [HoldKind.GATE, HoldKind.WINDOW, HoldKind.STOPPED]
    assert [h.kind for h in verdict.failed] == [HoldKind.GATE, HoldKind.STOPPED]


def test_no_release_is_a_hold() -> None:
    assert messages(gate(release=None)) == [("release", "stage dev has no readable release", False)]
