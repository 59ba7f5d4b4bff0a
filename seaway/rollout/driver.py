"""The rollout driver: carries the engine's decisions out on a target, for every Rollout.

Each pass observes a rollout, takes people's commands, asks the engine (`decide`) what next,
applies the traffic and replicas it wants, starts and stops the analysis runs it asks for, and
writes the status back. The engine keeps every choice in the status and the driver keeps each
run's measurements there too, so a driver started again resumes where the last one stopped. A
run that ends wakes the driver at once: a failed measurement reaches an abort, and the traffic
goes back to stable, within one pass.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from seaway.cluster.local.metrics import ListenerSnapshot
from seaway.model import ManifestError
from seaway.model.loading import ROLLOUT_KINDS, parse_object
from seaway.model.rollout import Rollout
from seaway.model.tracking import APP_LABEL
from seaway.rollout.analysis.providers import JobProvider, JobRunner, Providers, RouterProvider
from seaway.rollout.analysis.runner import AnalysisRunner, RunState
from seaway.rollout.engine import decide, pod_template_hash, status_from_dict, status_to_dict
from seaway.rollout.engine.types import (
    AnalysisKind,
    AnalysisOutcome,
    AnalysisPhase,
    AnalysisRequest,
    Command,
    Decision,
    Observation,
    RolloutStatus,
)
from seaway.rollout.runs import (
    RUNS_KEY,
    STATUS_KEY,
    RunSpecError,
    build_spec,
    error_outcome,
    outcome,
    resolve_args,
    saved_states,
    state_to_dict,
)
from seaway.rollout.target import RolloutTarget

log = logging.getLogger("seaway.rollout")

KEEP_FINISHED = 10

Decide = Callable[[Rollout, RolloutStatus | None, Observation, Sequence[Command]], Decision]


@dataclass(frozen=True)
class Engine:
    """The engine's functions (seaway.rollout.engine), passed in so a test can stand in."""

    decide: Decide
    status_from_dict: Callable[[Mapping[str, Any]], RolloutStatus]
    status_to_dict: Callable[[RolloutStatus], dict[str, Any]]
    pod_template_hash: Callable[[Mapping[str, Any]], str]


def default_engine() -> Engine:
    return Engine(decide, status_from_dict, status_to_dict, pod_template_hash)


@dataclass(frozen=True)
class RolloutEvent:
    """An engine event of one rollout, as notifications and the API show it."""

    namespace: str
    name: str
    reason: str
    message: str
    warning: bool
    time: datetime
    # The Application the Rollout belongs to (the value of its tracking label), "" when none.
    app: str = ""


@dataclass
class _Run:
    request: AnalysisRequest
    runner: AnalysisRunner | None
    task: asyncio.Task[RunState] | None
    outcome: AnalysisOutcome
    state: RunState | None = None


@dataclass
class _Tracked:
    """What the driver holds for one rollout between passes."""

    runs: dict[str, _Run] = field(default_factory=dict)
    # Runs the engine is done with, kept (the latest few) so the status still shows what they
    # measured, e.g. the failed metric that aborted the rollout.
    finished: dict[str, RunState] = field(default_factory=dict)
    restored: bool = False


def _key(rollout: Mapping[str, Any]) -> tuple[str, str]:
    meta = rollout.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


class RolloutDriver:
    def __init__(
        self,
        target: RolloutTarget,
        providers: Providers | None = None,
        *,
        engine: Engine | None = None,
        tick: float = 0.2,
        jobs: Callable[[str], JobRunner] | None = None,
    ) -> None:
        self.target = target
        self.providers = providers or Providers()
        # A Job metric's runner for a namespace; without it job metrics measure Errors.
        self.jobs = jobs
        self._engine = engine
        self.tick = tick
        self._tracked: dict[tuple[str, str], _Tracked] = {}
        self._listeners: list[Callable[[RolloutEvent], None]] = []
        self._wake = asyncio.Event()
        # Seconds until the soonest time-bound thing a decision named (a pause ending).
        self._requeue: float | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def subscribe(self, listener: Callable[[RolloutEvent], None]) -> None:
        """Call `listener` with every event of every rollout (notifications, the API)."""
        self._listeners.append(listener)

    def wake(self) -> None:
        """Look at every rollout now (a command was queued, a Rollout changed)."""
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Drive every rollout until `stop` is set; runs in flight are left to resume."""
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.reconcile_all()
                except Exception:
                    log.exception("rollout pass failed")
                waiting = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
                await asyncio.wait(
                    waiting,
                    timeout=min(self.tick, self._requeue or self.tick),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in waiting:
                    task.cancel()
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop the runs this driver started (their state is saved in the status)."""
        for tracked in self._tracked.values():
            for run in tracked.runs.values():
                await _cancel(run)
        self._tracked.clear()

    async def reconcile_all(self) -> None:
        rollouts = await self.target.rollouts()
        self._requeue = None
        present = {_key(r) for r in rollouts}
        for gone in [k for k in self._tracked if k not in present]:
            for run in self._tracked.pop(gone).runs.values():
                await _cancel(run)
        for rollout in rollouts:
            try:
                decision = await self.reconcile(rollout)
            except Exception:
                log.exception("rollout %s/%s: pass failed", *_key(rollout))
                continue
            if decision is not None and decision.requeue_after is not None:
                due = max(0.0, decision.requeue_after)
                self._requeue = due if self._requeue is None else min(self._requeue, due)

    async def reconcile(self, rollout: dict[str, Any]) -> Decision | None:
        """One pass for one rollout; the decision, or None for an invalid Rollout."""
        key = _key(rollout)
        try:
            model = parse_object(rollout, f"Rollout {key[0]}/{key[1]}", kinds=ROLLOUT_KINDS)
        except ManifestError as error:
            await self._invalid(rollout, str(error))
            return None
        if not isinstance(model, Rollout):
            return None
        tracked = self._tracked.setdefault(key, _Tracked())
        raw_status = rollout.get("status") or {}
        if not tracked.restored:
            self._restore(tracked, raw_status)
        status = self._status(key, raw_status)
        observation = Observation(
            now=datetime.now(UTC),
            template_hash=self.engine.pod_template_hash(
                (rollout.get("spec") or {}).get("template") or {}
            ),
            sets=await self.target.observe(rollout),
            analyses={name: run.outcome for name, run in tracked.runs.items()},
        )
        commands = await self.target.take_commands(rollout)
        decision = self.engine.decide(model, status, observation, commands)
        await self.target.apply(rollout, decision.desired)
        await self._runs(model, rollout, tracked, decision.desired.analyses)
        await self.target.write_status(rollout, self._status_dict(decision.status, tracked))
        self._emit(rollout, key, decision)
        return decision

    def _status(self, key: tuple[str, str], raw: Mapping[str, Any]) -> RolloutStatus | None:
        """The engine's status as last written; None before the first decision, or when what
        is there cannot be read (the engine then starts from what it observes)."""
        if not raw.get("phase"):
            return None
        try:
            return self.engine.status_from_dict(raw)
        except (KeyError, TypeError, ValueError) as error:
            log.warning("rollout %s/%s: status not readable, starting over: %s", *key, error)
            return None

    # -- analysis runs ----------------------------------------------------------------------

    def _restore(self, tracked: _Tracked, status: Mapping[str, Any]) -> None:
        """Runs an earlier driver saved: resumed when the engine asks for them again."""
        tracked.restored = True
        for name, state in saved_states(status).items():
            # The request is not known until the engine asks for the run again.
            request = AnalysisRequest(name, AnalysisKind.STEP, None)
            tracked.runs[name] = _Run(request, None, None, outcome(name, state), state)

    async def _runs(
        self,
        model: Rollout,
        rollout: Mapping[str, Any],
        tracked: _Tracked,
        requested: Sequence[AnalysisRequest],
    ) -> None:
        wanted = {request.name: request for request in requested}
        for name in [n for n in tracked.runs if n not in wanted]:
            await self._retire(tracked, name)
        for name, request in wanted.items():
            # Asked for again after it finished (a retry): a new run.
            tracked.finished.pop(name, None)
            run = tracked.runs.get(name)
            if run is not None and (run.task is not None or run.outcome.phase.completed):
                continue
            resume = run.state if run is not None else None
            tracked.runs[name] = await self._start(model, rollout, request, resume)

    async def _retire(self, tracked: _Tracked, name: str) -> None:
        """A run the engine no longer asks for: terminated, its last state kept for showing."""
        run = tracked.runs.pop(name)
        await _cancel(run, terminate=True)
        if run.state is None:
            return
        tracked.finished[name] = run.state
        while len(tracked.finished) > KEEP_FINISHED:
            del tracked.finished[next(iter(tracked.finished))]

    async def _start(
        self,
        model: Rollout,
        rollout: Mapping[str, Any],
        request: AnalysisRequest,
        resume: RunState | None,
    ) -> _Run:
        try:
            spec = await build_spec(model, request, self._template)
        except RunSpecError as error:
            log.warning("analysis %s: %s", request.name, error)
            return _Run(request, None, None, error_outcome(request.name, str(error)))
        pending = AnalysisOutcome(request.name, AnalysisPhase.RUNNING)
        run = _Run(request, None, None, pending, resume)

        def saved(state: RunState) -> None:
            run.state = state
            run.outcome = outcome(request.name, state)
            if state.phase.completed:
                # The engine decides on a finished run at once, not at the next tick.
                self._wake.set()

        runner = AnalysisRunner(
            spec,
            providers=self._providers_for(model.namespace),
            args=resolve_args(list(spec.args), rollout, request.args),
            on_update=saved,
            state=resume,
        )
        run.runner = runner
        run.task = asyncio.create_task(runner.run(resume), name=f"analysis {request.name}")

        def ended(task: asyncio.Task[RunState]) -> None:
            if not task.cancelled() and task.exception() is not None:
                # A provider's bug must not leave the run Running for ever.
                run.outcome = error_outcome(request.name, f"analysis failed: {task.exception()}")
                self._wake.set()

        run.task.add_done_callback(ended)
        return run

    def _providers_for(self, namespace: str) -> Providers:
        """The providers of one run. The router provider keeps each metric's last reading, so a
        run gets its own, and a bare Service name means the Rollout's namespace."""
        providers = self.providers
        if self.jobs is not None:
            providers = dataclasses.replace(providers, job=JobProvider(self.jobs(namespace)))
        router = providers.router
        if not isinstance(router, RouterProvider):
            return providers
        snapshots = router.snapshots

        def in_namespace(service: str) -> ListenerSnapshot:
            return snapshots(service if "/" in service else f"{namespace}/{service}")

        return dataclasses.replace(providers, router=RouterProvider(in_namespace))

    async def _template(
        self, namespace: str, name: str, cluster_scope: bool
    ) -> dict[str, Any] | None:
        return await self.target.analysis_template(namespace, name, cluster_scope=cluster_scope)

    # -- status and events -------------------------------------------------------------------

    def _status_dict(self, status: RolloutStatus, tracked: _Tracked) -> dict[str, Any]:
        body = self.engine.status_to_dict(status)
        runs = {name: state_to_dict(state) for name, state in tracked.finished.items()}
        runs.update(
            (name, state_to_dict(run.state)) for name, run in tracked.runs.items() if run.state
        )
        extra = dict(body.get(STATUS_KEY) or {})
        extra[RUNS_KEY] = runs
        body[STATUS_KEY] = extra
        return body

    async def _invalid(self, rollout: Mapping[str, Any], message: str) -> None:
        status = dict(rollout.get("status") or {})
        generation = int((rollout.get("metadata") or {}).get("generation") or 0)
        status.update(
            phase="Degraded",
            message=message,
            observedGeneration=generation,
            conditions=[
                {
                    "type": "InvalidSpec",
                    "status": "True",
                    "reason": "InvalidSpec",
                    "message": message,
                }
            ],
        )
        await self.target.write_status(rollout, status)

    def _emit(self, rollout: Mapping[str, Any], key: tuple[str, str], decision: Decision) -> None:
        now = datetime.now(UTC)
        labels = (rollout.get("metadata") or {}).get("labels") or {}
        app = str(labels.get(APP_LABEL) or "")
        for event in decision.events:
            (log.warning if event.warning else log.info)(
                "rollout %s/%s: %s: %s", key[0], key[1], event.reason, event.message
            )
            published = RolloutEvent(
                key[0], key[1], event.reason, event.message, event.warning, now, app
            )
            for listener in self._listeners:
                try:
                    listener(published)
                except Exception:
                    log.exception("rollout event listener failed")


async def _cancel(run: _Run, *, terminate: bool = False) -> None:
    """Stop a run: `terminate` ends it as Argo Rollouts does (it is not wanted any more), else
    it is only interrupted, its state kept for the next driver to resume."""
    task, run.task = run.task, None
    if task is None or task.done():
        return
    if terminate and run.runner is not None:
        run.runner.terminate()
    else:
        task.cancel()
    # asyncio.wait, not `await task` in suppress(CancelledError): that would also swallow a
    # cancellation of the driver itself. The run's own error was handled when it ended.
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()
