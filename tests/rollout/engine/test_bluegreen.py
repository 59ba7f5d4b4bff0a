"""Blue/green rollouts through the engine (see sim.py for the checks every decision gets)."""

from __future__ import annotations

from seaway.model.status import HealthStatus
from seaway.rollout.engine.types import AnalysisKind, AnalysisPhase, Command, RolloutPhase
from tests.rollout import manifests as docs
from tests.rollout.engine import manifests as m
from tests.rollout.engine.sim import Sim


def test_first_deployment_is_active_and_preview_at_once() -> None:
    sim = Sim(docs.BLUE_GREEN)
    done = sim.settle()
    v1 = sim.template_hash
    assert done.desired.scale == {v1: 2}
    assert done.desired.traffic.active_hash == done.desired.traffic.preview_hash == v1
    assert done.status.active_selector == done.status.preview_selector == v1
    assert done.status.phase is RolloutPhase.HEALTHY
    assert sim.written()["blueGreen"] == {"activeSelector": v1, "previewSelector": v1}
    assert sim.health().status is HealthStatus.HEALTHY
    assert sim.reasons() == []


def test_preview_analysis_pause_promote_switch_and_post_analysis() -> None:
    """The Argo docs' blue/green: previewReplicaCount 1, pre- and post-promotion analysis,
    autoPromotionEnabled false, scaleDownDelaySeconds 60."""
    sim = Sim(docs.BLUE_GREEN, auto_ready=False)
    sim.step()
    v1 = sim.template_hash
    sim.ready(v1)
    sim.step()
    v2 = sim.set_image("shop/checkout:2.1")

    preview = sim.step()
    assert preview.desired.scale == {v1: 2, v2: 1}
    assert preview.desired.traffic.active_hash == v1
    assert preview.desired.traffic.preview_hash == v2
    assert preview.desired.analyses == ()  # not before the preview is ready
    sim.ready(v2)
    checking = sim.step()
    [request] = checking.desired.analyses
    assert request.kind is AnalysisKind.PRE_PROMOTION
    assert request.name == f"checkout-{v2}-prepromotion"
    assert request.args["stable-hash"] == v1
    assert checking.status.phase is RolloutPhase.PROGRESSING

    sim.outcome(request.name, AnalysisPhase.SUCCESSFUL)
    paused = sim.step()
    assert paused.status.pause_conditions[0].reason == "BlueGreenPause"
    assert paused.status.phase is RolloutPhase.PAUSED
    assert sim.health().status is HealthStatus.SUSPENDED
    sim.wait(3600)
    assert sim.step().status.phase is RolloutPhase.PAUSED  # no autoPromotionSeconds
    sim.take_events()

    promoting = sim.step(Command.PROMOTE)
    assert promoting.status.promoting
    assert promoting.desired.scale == {v1: 2, v2: 2}  # full scale before the switch
    assert promoting.desired.traffic.active_hash == v1
    sim.ready(v2)
    switched = sim.step()
    assert switched.desired.traffic.active_hash == v2
    assert switched.status.active_selector == v2
    [post] = switched.desired.analyses
    assert post.kind is AnalysisKind.POST_PROMOTION
    assert switched.desired.scale == {v1: 2, v2: 2}  # the old one kept for a switch back
    assert switched.status.stable_hash == v1

    sim.outcome(post.name, AnalysisPhase.SUCCESSFUL)
    done = sim.step()
    assert done.status.stable_hash == v2
    assert done.status.phase is RolloutPhase.HEALTHY
    assert done.desired.scale == {v2: 2, v1: 2}
    assert done.requeue_after == 60
    assert "RolloutCompleted" in sim.reasons()
    assert sim.health().status is HealthStatus.HEALTHY
    sim.wait(60)
    assert sim.step().desired.scale == {v2: 2}


def test_failed_post_promotion_analysis_switches_back() -> None:
    sim = Sim(docs.BLUE_GREEN)
    sim.settle()
    v1 = sim.template_hash
    v2 = sim.set_image("shop/checkout:2.1")
    sim.settle()
    sim.outcome(f"checkout-{v2}-prepromotion", AnalysisPhase.SUCCESSFUL)
    sim.settle()
    switched = sim.settle(Command.PROMOTE)
    assert switched.status.active_selector == v2
    sim.outcome(
        f"checkout-{v2}-postpromotion", AnalysisPhase.FAILED, metric="success-rate", value="0.7"
    )
    back = sim.step()
    assert back.desired.traffic.active_hash == v1
    assert back.status.active_selector == v1
    assert back.desired.scale == {v1: 2, v2: 2}  # abortScaleDownDelaySeconds: 30
    assert back.status.message == "RolloutAborted: metric success-rate failed: value 0.7"
    health = sim.health()
    assert health.status is HealthStatus.DEGRADED
    assert "success-rate failed: value 0.7" in health.message
    sim.wait(30)
    assert sim.step().desired.scale == {v1: 2}


def test_failed_pre_promotion_analysis_never_switches() -> None:
    sim = Sim(docs.BLUE_GREEN)
    sim.settle()
    v1 = sim.template_hash
    v2 = sim.set_image("shop/checkout:2.1")
    sim.settle()
    sim.outcome(f"checkout-{v2}-prepromotion", AnalysisPhase.ERROR, metric="smoke", value="")
    aborted = sim.step()
    assert aborted.status.abort
    assert aborted.desired.traffic.active_hash == v1
    assert aborted.status.message == "RolloutAborted: metric smoke errored"
    assert aborted.status.stable_hash == v1


def test_auto_promotion_seconds() -> None:
    sim = Sim(m.BLUE_GREEN_AUTO)
    sim.settle()
    v2 = sim.set_image("shop/pay:2.0")
    paused = sim.settle()
    assert paused.status.pause_conditions[0].reason == "BlueGreenPause"
    assert paused.requeue_after == 20
    sim.wait(20)
    done = sim.settle()
    assert done.status.stable_hash == v2
    assert done.desired.traffic.active_hash == v2
    assert done.status.phase is RolloutPhase.HEALTHY


def test_promote_full_skips_the_checks() -> None:
    sim = Sim(docs.BLUE_GREEN)
    sim.settle()
    v2 = sim.set_image("shop/checkout:2.1")
    sim.settle()
    done = sim.settle(Command.PROMOTE_FULL)
    assert done.status.stable_hash == v2
    assert done.desired.analyses == ()
    assert done.status.active_selector == v2


def test_abort_scale_down_delay_zero_keeps_the_preview_running() -> None:
    """Argo Rollouts: abortScaleDownDelaySeconds 0 leaves the aborted version scaled up."""
    sim = Sim(m.BLUE_GREEN_AUTO)
    sim.edit(["spec", "strategy", "blueGreen", "abortScaleDownDelaySeconds"], 0)
    sim.settle()
    v1 = sim.template_hash
    v2 = sim.set_image("shop/pay:2.0")
    sim.settle()
    aborted = sim.step(Command.ABORT)
    assert aborted.desired.traffic.active_hash == v1
    assert aborted.desired.scale == {v1: 3, v2: 3}
    assert aborted.requeue_after is None
    sim.wait(3600)
    assert sim.step().desired.scale == {v1: 3, v2: 3}
