"""The pod-template hash and the status codec: Argo Rollouts' shape, exact round trips, and a
garbled status read as a fresh one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from seaway.model.rollout import RouteMatch
from seaway.rollout.engine import pod_template_hash, status_from_dict, status_to_dict
from seaway.rollout.engine.types import (
    AnalysisOutcome,
    AnalysisPhase,
    Command,
    Condition,
    HeaderRoute,
    PauseCondition,
    RolloutPhase,
    RolloutStatus,
)
from tests.rollout.engine import manifests as m
from tests.rollout.engine.sim import Sim

WHEN = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)


def test_pod_template_hash_is_stable_short_and_label_safe() -> None:
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "x:1"}]}}
    reordered = {"spec": {"containers": [{"image": "x:1"}]}, "metadata": {"labels": {"app": "a"}}}
    value = pod_template_hash(template)
    assert value == pod_template_hash(reordered)
    assert len(value) == 10
    assert all(c in "0123456789abcdef" for c in value)
    changed = {**template, "spec": {"containers": [{"image": "x:2"}]}}
    assert pod_template_hash(changed) != value


def rich_status() -> RolloutStatus:
    match = RouteMatch.model_validate({"headerName": "X-Beta", "headerValue": {"exact": "1"}})
    cookie = RouteMatch.model_validate({"cookieName": "group", "cookieValue": {"prefix": "b"}})
    return RolloutStatus(
        phase=RolloutPhase.PAUSED,
        message="CanaryPauseStep",
        current_pod_hash="bbbbbbbbbb",
        stable_hash="aaaaaaaaaa",
        current_step_index=3,
        pause_conditions=(PauseCondition("CanaryPauseStep", WHEN),),
        promote_full=False,
        canary_weight=40,
        header_routes=(HeaderRoute("beta", (match, cookie)),),
        scale_down_at={"cccccccccc": WHEN.replace(microsecond=250000)},
        analyses={
            "r-bbbbbbbbbb-2": AnalysisOutcome(
                "r-bbbbbbbbbb-2", AnalysisPhase.FAILED, "bad", "error-rate", "0.31"
            ),
            "r-bbbbbbbbbb-background": AnalysisOutcome(
                "r-bbbbbbbbbb-background", AnalysisPhase.RUNNING
            ),
        },
        replicas=6,
        updated_replicas=2,
        ready_replicas=5,
        available_replicas=5,
        observed_generation=4,
        conditions=(Condition("Progressing", "Unknown", "RolloutPaused", "paused", WHEN, WHEN),),
        progressed_at=WHEN,
        old_gone_at=WHEN,
        new_ready_at=WHEN,
        downtime_seconds=2.5,
    )


def test_status_round_trips_exactly_in_argo_rollouts_shape() -> None:
    status = rich_status()
    body = status_to_dict(status)
    assert status_from_dict(body) == status
    assert body["stableRS"] == "aaaaaaaaaa"
    assert body["currentPodHash"] == "bbbbbbbbbb"
    assert body["currentStepIndex"] == 3
    assert body["pauseConditions"] == [
        {"reason": "CanaryPauseStep", "startTime": "2026-03-01T12:00:05Z"}
    ]
    assert body["canary"]["weights"] == {
        "canary": {"weight": 40, "podTemplateHash": "bbbbbbbbbb"},
        "stable": {"weight": 60, "podTemplateHash": "aaaaaaaaaa"},
    }
    assert body["canary"]["currentStepAnalysisRunStatus"] == {
        "name": "r-bbbbbbbbbb-2",
        "status": "Failed",
        "message": "bad",
    }
    assert body["canary"]["currentBackgroundAnalysisRunStatus"]["status"] == "Running"
    assert body["conditions"][0]["lastTransitionTime"] == "2026-03-01T12:00:05Z"
    assert body["seaway"]["scaleDownAt"] == {"cccccccccc": "2026-03-01T12:00:05.250000Z"}
    assert body["seaway"]["headerRoutes"][0]["match"][1] == {
        "cookieName": "group",
        "cookieValue": {"prefix": "b"},
    }


def test_blue_green_status_round_trips() -> None:
    status = RolloutStatus(
        phase=RolloutPhase.HEALTHY,
        current_pod_hash="a",
        stable_hash="a",
        active_selector="a",
        preview_selector="a",
        promoting=True,
        aborted_at=WHEN,
        abort=True,
        controller_pause=True,
        deadline_exceeded=True,
        invalid_spec="steps[1]: no",
    )
    body = status_to_dict(status)
    assert body["blueGreen"] == {"activeSelector": "a", "previewSelector": "a"}
    assert "canary" not in body
    assert status_from_dict(body) == status


@pytest.mark.parametrize(
    "garbled",
    [
        None,
        {},
        {"phase": "Sideways", "currentStepIndex": "x", "pauseConditions": "no"},
        {"conditions": [{"type": 3}], "seaway": {"analyses": {"x": {"status": "Odd"}}}},
        {"seaway": {"headerRoutes": [{"name": "a", "match": [{"headerName": 1}]}]}},
        {"canary": {"weights": "x"}, "blueGreen": [], "abortedAt": "yesterday"},
    ],
)
def test_a_garbled_status_reads_as_a_fresh_one(garbled: dict[str, Any] | None) -> None:
    status = status_from_dict(garbled)
    assert status.current_pod_hash == ""
    assert status.pause_conditions == ()
    assert status.header_routes == ()
    assert status.analyses == {}
    assert status.aborted_at is None


def test_a_lost_status_adopts_the_running_version_as_stable() -> None:
    """The status was wiped while v1 ran and the template moved to v2: v1 stays stable and
    v2 rolls out by the steps, rather than replacing v1 at once."""
    sim = Sim(m.ROUTED_CANARY)
    sim.settle()
    v1 = sim.template_hash
    sim.status = status_from_dict({"phase": "???"})
    v2 = sim.set_image("shop/cart:2.0")
    decision = sim.step()
    assert decision.status.stable_hash == v1
    assert decision.status.current_pod_hash == v2
    assert decision.status.current_step_index == 0
    assert decision.desired.scale[v1] == 4


def test_written_conditions_follow_argo_rollouts() -> None:
    sim = Sim(m.ROUTED_CANARY)
    sim.settle()
    types = {c["type"]: c for c in sim.written()["conditions"]}
    assert types["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert types["Available"]["status"] == "True"
    assert types["Healthy"]["status"] == "True"
    sim.set_image("shop/cart:2.0")
    sim.settle()
    types = {c["type"]: c for c in sim.written()["conditions"]}
    assert types["Paused"]["reason"] == "RolloutPaused"
    assert types["Progressing"]["status"] == "Unknown"
    sim.step(Command.ABORT)
    types = {c["type"]: c for c in sim.written()["conditions"]}
    assert types["Progressing"]["reason"] == "RolloutAborted"
    assert types["Progressing"]["status"] == "False"
    assert types["Paused"]["status"] == "False"
