"""Running an AnalysisRun: Argo Rollouts' rules as pure state, and an async driver.

The pure half (`record`, `assess_metric`, `assess_run`, `next_due`) decides from recorded
measurements alone, so a run stopped at any point resumes from what it recorded. The driver
(`AnalysisRunner`) measures every metric concurrently, each at its own interval, and stops the
others as soon as one metric decides the run (Argo Rollouts' "terminating").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from seaway.model.analysis import (
    DEFAULT_ERROR_RETRY_INTERVAL,
    AnalysisRunSpec,
    ArgumentError,
    Metric,
    arg_values,
    resolve_metric,
)
from seaway.rollout.analysis.conditions import ConditionError, Phase, evaluate_result
from seaway.rollout.analysis.providers import MeasurementError, Providers

# Best to worst, as Argo Rollouts ranks completed phases.
_ORDER = (Phase.SUCCESSFUL, Phase.INCONCLUSIVE, Phase.ERROR, Phase.FAILED)


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Measurement:
    phase: Phase
    started_at: datetime
    finished_at: datetime
    value: str = ""
    message: str = ""


@dataclass(frozen=True)
class MetricResult:
    name: str
    phase: Phase = Phase.PENDING
    measurements: tuple[Measurement, ...] = ()
    # Measurements that count towards `count`: every one but errors.
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    message: str = ""
    dry_run: bool = False


@dataclass(frozen=True)
class RunState:
    started_at: datetime
    results: tuple[MetricResult, ...]
    phase: Phase = Phase.RUNNING
    message: str = ""
    terminate: bool = False

    def result(self, name: str) -> MetricResult:
        return next(r for r in self.results if r.name == name)

    def with_result(self, updated: MetricResult) -> RunState:
        return replace(
            self, results=tuple(updated if r.name == updated.name else r for r in self.results)
        )


def start_state(spec: AnalysisRunSpec, now: datetime, *, dry_run: bool = False) -> RunState:
    """A run that has taken no measurement yet; `dry_run` makes every metric a dry run."""
    dry = {m.name for m in spec.metrics} if dry_run else spec.dry_run_names()
    return RunState(now, tuple(MetricResult(m.name, dry_run=m.name in dry) for m in spec.metrics))


def record(result: MetricResult, measurement: Measurement) -> MetricResult:
    """The metric's counters after one more finished measurement."""
    counts = {
        Phase.SUCCESSFUL: "successful",
        Phase.FAILED: "failed",
        Phase.INCONCLUSIVE: "inconclusive",
        Phase.ERROR: "error",
    }
    changes: dict[str, int] = {
        counts[measurement.phase]: getattr(result, counts[measurement.phase]) + 1
    }
    if measurement.phase is Phase.ERROR:
        changes["consecutive_error"] = result.consecutive_error + 1
    else:
        changes["count"] = result.count + 1
        changes["consecutive_error"] = 0
    return replace(
        result,
        measurements=(*result.measurements, measurement),
        message=measurement.message,
        **changes,  # type: ignore[arg-type]
    )


def limit_breached(metric: Metric, result: MetricResult) -> tuple[Phase, str] | None:
    """Failed, Inconclusive or Error once a limit is passed; the last rule broken wins."""
    breach: tuple[Phase, str] | None = None
    if result.failed > metric.failure_limit_value:
        breach = (
            Phase.FAILED,
            f"failed ({result.failed}) > failureLimit ({metric.failure_limit_value})",
        )
    if result.inconclusive > metric.inconclusive_limit_value:
        breach = (
            Phase.INCONCLUSIVE,
            f"inconclusive ({result.inconclusive}) > inconclusiveLimit "
            f"({metric.inconclusive_limit_value})",
        )
    if result.consecutive_error > metric.consecutive_error_limit_value:
        breach = (
            Phase.ERROR,
            f"consecutiveErrors ({result.consecutive_error}) > consecutiveErrorLimit "
            f"({metric.consecutive_error_limit_value})",
        )
    return breach


def assess_metric(metric: Metric, result: MetricResult, terminating: bool) -> tuple[Phase, str]:
    if result.phase.completed:
        return result.phase, result.message
    if not result.measurements:
        return (Phase.SUCCESSFUL, "run terminated") if terminating else (Phase.PENDING, "")
    breach = limit_breached(metric, result)
    if breach is not None:
        return breach
    count = metric.effective_count
    if count is not None and result.count >= count:
        return Phase.SUCCESSFUL, f"count ({count}) reached"
    if terminating:
        return Phase.SUCCESSFUL, "run terminated"
    return Phase.RUNNING, ""


def is_terminating(state: RunState) -> bool:
    """A stop was asked for, or a metric that decides the run ended badly."""
    return state.terminate or any(
        not r.dry_run and r.phase in (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE)
        for r in state.results
    )


def assess_run(metrics: Sequence[Metric], state: RunState) -> RunState:
    """Every metric's phase from its measurements, then the run's: Running until all are done,
    then the worst of the metrics that are not dry runs (Successful if all are)."""
    for _ in range(2):
        # A metric that ends badly makes the run terminating, which ends the others: twice.
        terminating = is_terminating(state)
        for metric in metrics:
            result = state.result(metric.name)
            phase, reason = assess_metric(metric, result, terminating)
            if phase is not result.phase:
                state = state.with_result(
                    replace(result, phase=phase, message=reason or result.message)
                )
    worst: Phase | None = None
    worst_message = ""
    everything_done = True
    for metric in metrics:
        result = state.result(metric.name)
        if not result.phase.completed:
            everything_done = False
            continue
        phase = Phase.SUCCESSFUL if result.dry_run else result.phase
        if worst is None or _ORDER.index(phase) > _ORDER.index(worst):
            worst = phase
            if not result.dry_run and phase is not Phase.SUCCESSFUL:
                worst_message = f"metric {metric.name!r} assessed {phase}: {result.message}"
    if worst is None or not (everything_done or is_terminating(state)):
        return replace(state, phase=Phase.RUNNING, message="")
    return replace(state, phase=worst, message=worst_message)


def next_due(metric: Metric, result: MetricResult, started_at: datetime) -> datetime | None:
    """When the metric's next measurement is due; None when it takes no more."""
    if result.phase.completed:
        return None
    if not result.measurements:
        return started_at + metric.initial_delay_delta
    count = metric.effective_count
    if count is not None and result.count >= count:
        return None
    last = result.measurements[-1]
    interval = metric.interval_delta
    if last.phase is Phase.ERROR or interval is None:
        interval = DEFAULT_ERROR_RETRY_INTERVAL
    return last.finished_at + interval


def resolve_metrics(spec: AnalysisRunSpec, args: Mapping[str, str] | None = None) -> list[Metric]:
    """The run's metrics with their arguments substituted; ArgumentError or ValueError."""
    given = dict(args or {})
    values = {**arg_values([a for a in spec.args if a.name not in given]), **given}
    return [resolve_metric(metric, values) for metric in spec.metrics]


@dataclass
class AnalysisRunner:
    """Runs one AnalysisRun to its end. Cancel the task running `run()` to stop at once (the
    state so far stays in `state`); call `terminate()` to end it as Argo Rollouts' terminate
    does (metrics still measuring end Successful)."""

    spec: AnalysisRunSpec
    providers: Providers = field(default_factory=Providers)
    clock: Clock = field(default_factory=SystemClock)
    # Values for arguments, over those the spec gives (e.g. resolved valueFrom).
    args: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False
    # Called with the new state after every measurement, to save it.
    on_update: Callable[[RunState], None] | None = None
    state: RunState | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def terminate(self) -> None:
        self._stop.set()

    async def run(self, resume: RunState | None = None) -> RunState:
        state = (
            resume or self.state or start_state(self.spec, self.clock.now(), dry_run=self.dry_run)
        )
        self.state = state
        try:
            metrics = resolve_metrics(self.spec, self.args)
        except (ArgumentError, ValueError) as error:
            return self._set(
                replace(
                    state, phase=Phase.ERROR, message=f"unable to resolve metric arguments: {error}"
                )
            )
        state = self._set(assess_run(metrics, state))
        if state.phase.completed:
            return state
        for metric in metrics:
            try:
                self.providers.for_metric(metric).begin(metric)
            except MeasurementError:
                # No provider for it: its measurements are Errors that give the reason.
                continue
        lock = asyncio.Lock()
        tasks = [asyncio.create_task(self._metric_loop(m, metrics, lock)) for m in metrics]
        stop = asyncio.create_task(self._stopped())
        try:
            pending = set(tasks)
            while pending and not stop.done():
                _, pending = await asyncio.wait(
                    pending | {stop}, return_when=asyncio.FIRST_COMPLETED
                )
                pending.discard(stop)
                assert self.state is not None  # noqa: S101 - set above
                if is_terminating(self.state):
                    break
        finally:
            for task in (*tasks, stop):
                task.cancel()
            await asyncio.gather(*tasks, stop, return_exceptions=True)
        assert self.state is not None  # noqa: S101 - set above
        final = replace(self.state, terminate=self.state.terminate or self._stop.is_set())
        return self._set(assess_run(metrics, final))

    async def _stopped(self) -> None:
        await self._stop.wait()

    def _set(self, state: RunState) -> RunState:
        self.state = state
        if self.on_update is not None:
            self.on_update(state)
        return state

    async def _metric_loop(self, metric: Metric, metrics: list[Metric], lock: asyncio.Lock) -> None:
        while True:
            assert self.state is not None  # noqa: S101 - set before the loops start
            due = next_due(metric, self.state.result(metric.name), self.state.started_at)
            if due is None:
                return
            wait = (due - self.clock.now()).total_seconds()
            if wait > 0:
                await self.clock.sleep(wait)
            measurement = await self._measure(metric)
            async with lock:
                current = self.state.result(metric.name)
                if current.phase.completed:
                    # Another metric ended the run while this one was measuring.
                    return
                result = record(current, measurement)
                self._set(assess_run(metrics, self.state.with_result(result)))

    async def _measure(self, metric: Metric) -> Measurement:
        started = self.clock.now()
        try:
            observation = await self.providers.for_metric(metric).measure(metric)
            phase = observation.phase or evaluate_result(
                observation.value, metric.success_condition, metric.failure_condition
            )
            text, message = observation.text, observation.message
        except MeasurementError as error:
            phase, text, message = Phase.ERROR, "", str(error)
        except ConditionError as error:
            phase, text, message = Phase.ERROR, "", f"metric {metric.name!r}: {error}"
        return Measurement(phase, started, self.clock.now(), text, message)


def metric_due_times(spec_metrics: Sequence[Metric], state: RunState) -> dict[str, datetime | None]:
    """When each metric measures next (None: no more), e.g. to show a run's schedule."""
    return {m.name: next_due(m, state.result(m.name), state.started_at) for m in spec_metrics}


__all__ = [
    "AnalysisRunner",
    "Clock",
    "Measurement",
    "MetricResult",
    "RunState",
    "SystemClock",
    "assess_metric",
    "assess_run",
    "is_terminating",
    "limit_breached",
    "metric_due_times",
    "next_due",
    "record",
    "resolve_metrics",
    "start_state",
]
