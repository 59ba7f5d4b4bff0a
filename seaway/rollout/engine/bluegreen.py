"""Blue/green: the new version beside the old behind the preview Service, checked, then made
active in one switch; the old one kept for scaleDownDelaySeconds in case of a switch back.

The checks before the switch run in order: the prePromotionAnalysis, then the pause
(autoPromotionEnabled: false, or autoPromotionSeconds). Argo Rollouts starts the pause's clock
when the preview is ready; Seaway starts it once the analysis has passed, so the pause is the
time people have to look after the automatic checks are done.
"""

from __future__ import annotations

from datetime import timedelta

from seaway.model.rollout import DEFAULT_SCALE_DOWN_DELAY_SECONDS, BlueGreenStrategy
from seaway.rollout.engine.context import Work, fail_analysis
from seaway.rollout.engine.types import AnalysisKind, AnalysisPhase, Traffic

PAUSE = "BlueGreenPause"
INCONCLUSIVE = "InconclusiveAnalysisRun"


def _strategy(work: Work) -> BlueGreenStrategy:
    strategy = work.rollout.spec.strategy
    blue_green = strategy.blue_green if strategy is not None else None
    assert blue_green is not None  # noqa: S101 - called for blue/green rollouts
    return blue_green


def steady(work: Work) -> None:
    work.scale = {work.stable: work.replicas}
    work.traffic = Traffic(active_hash=work.stable, preview_hash=work.stable)
    if work.status.active_selector != work.stable or work.status.preview_selector != work.stable:
        work.update(active_selector=work.stable, preview_selector=work.stable, promoting=False)


def _analysis_passed(work: Work, kind: AnalysisKind) -> bool:
    """Whether the analysis of that kind (if the strategy has one) let the rollout go on."""
    strategy = _strategy(work)
    analysis = (
        strategy.pre_promotion_analysis
        if kind is AnalysisKind.PRE_PROMOTION
        else strategy.post_promotion_analysis
    )
    if analysis is None or work.status.promote_full:
        return True
    outcome = work.run(kind, None, analysis)
    match outcome.phase:
        case AnalysisPhase.SUCCESSFUL:
            return True
        case AnalysisPhase.FAILED | AnalysisPhase.ERROR:
            fail_analysis(work, outcome)
        case AnalysisPhase.INCONCLUSIVE:
            work.pause(INCONCLUSIVE)
    return False


def _pause_over(work: Work) -> bool:
    strategy = _strategy(work)
    seconds = strategy.auto_promotion_seconds if strategy.auto_promotion_enabled else None
    if strategy.auto_promotion_enabled and not seconds:
        return True
    held = work.pause(PAUSE)
    if seconds is None:
        return False
    end = held.start_time + timedelta(seconds=seconds)
    if work.now >= end:
        work.unpause(PAUSE)
        return True
    work.due_at(end)
    return False


def _checked(work: Work, preview: int) -> bool:
    """The preview is ready, its analysis passed and the pause is over."""
    if work.ready(work.current) < preview:
        return False
    return _analysis_passed(work, AnalysisKind.PRE_PROMOTION) and _pause_over(work)


def _preview(work: Work, *, hold: bool) -> None:
    """Before the switch: the new version behind the preview Service, checked."""
    count = _strategy(work).preview_replica_count
    preview = work.replicas if count is None else count
    if work.status.preview_selector != work.current or work.status.active_selector != work.stable:
        work.update(preview_selector=work.current, active_selector=work.stable)
    work.scale = {work.stable: work.replicas, work.current: preview}
    work.traffic = Traffic(active_hash=work.stable, preview_hash=work.current)
    if hold:
        return
    if work.intent.promote or work.status.promote_full:
        work.intent.promote = False
        for reason in (PAUSE, INCONCLUSIVE):
            work.unpause(reason)
    elif not _checked(work, preview):
        return
    work.update(promoting=True)
    work.emit("RolloutPromoted", f"Promoting revision {work.current} to active")


def _switch(work: Work, *, hold: bool) -> None:
    """Promoting: the new version at full scale, then made active."""
    work.scale = {work.stable: work.replicas, work.current: work.replicas}
    work.traffic = Traffic(active_hash=work.stable, preview_hash=work.current)
    if hold or work.ready(work.current) < work.replicas:
        return
    work.update(active_selector=work.current)
    work.emit("SwitchService", f"Switched the active Service to revision {work.current}")


def _after_switch(work: Work, *, hold: bool) -> None:
    """Active on the new version: the post-promotion analysis decides whether it stays."""
    work.scale = {work.stable: work.replicas, work.current: work.replicas}
    work.traffic = Traffic(active_hash=work.current, preview_hash=work.current)
    if work.status.preview_selector != work.current:
        work.update(preview_selector=work.current)
    if hold:
        return
    if work.intent.promote:
        work.intent.promote = False
        work.unpause(INCONCLUSIVE)
    elif not _analysis_passed(work, AnalysisKind.POST_PROMOTION):
        return
    old = work.stable
    work.update(stable_hash=work.current, promoting=False, promote_full=False, pause_conditions=())
    given = _strategy(work).scale_down_delay_seconds
    work.scale_down_later(old, DEFAULT_SCALE_DOWN_DELAY_SECONDS if given is None else given)
    work.emit("RolloutCompleted", f"Rollout completed update to revision {work.current}")
    steady(work)


def advance(work: Work, *, hold: bool) -> None:
    if work.current == work.stable:
        steady(work)
        return
    if work.status.active_selector == work.current:
        _after_switch(work, hold=hold)
        return
    if not work.status.promoting:
        _preview(work, hold=hold)
    if work.status.promoting and not work.status.abort:
        _switch(work, hold=hold)
        if work.status.active_selector == work.current:
            _after_switch(work, hold=hold)
