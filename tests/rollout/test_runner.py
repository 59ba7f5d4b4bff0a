"""AnalysisRun semantics by Argo Rollouts' rules: each test has a twin case that fails when the
rule is broken (e.g. failureLimit 1 with 1 failure passes, with 2 fails)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from seaway.model.analysis import AnalysisRunSpec
from seaway.rollout.analysis import AnalysisRunner, Phase, RunState
from seaway.rollout.analysis.providers import Providers, WebProvider
from seaway.rollout.analysis.runner import assess_run, next_due, resolve_metrics, start_state
from tests.rollout.helpers import START, Scripted, VirtualClock, error, http_server

pytestmark = pytest.mark.anyio


def spec(*metrics: dict[str, Any], **fields: Any) -> AnalysisRunSpec:
    return AnalysisRunSpec.model_validate(
        {
            "metrics": [
                {"provider": {"web": {"url": "http://unused.invalid"}}, **m} for m in metrics
            ],
            **fields,
        }
    )


def runner(run: AnalysisRunSpec, *script: Any, **kwargs: Any) -> tuple[AnalysisRunner, Scripted]:
    clock = VirtualClock()
    provider = Scripted(clock, *script)
    return AnalysisRunner(run, Providers(web=provider), clock, **kwargs), provider


def phases(state: RunState, name: str = "m") -> list[str]:
    return [m.phase.value for m in state.result(name).measurements]


async def test_count_and_interval() -> None:
    run, provider = runner(
        spec({"name": "m", "count": 3, "interval": "1m", "successCondition": "result > 0"}), 1
    )
    state = await run.run()
    assert state.phase is Phase.SUCCESSFUL
    assert provider.calls == [0.0, 60.0, 120.0]
    result = state.result("m")
    assert (result.count, result.successful, result.message) == (3, 3, "count (3) reached")
    first = result.measurements[0]
    assert (first.started_at, first.value, first.phase) == (START, "1", Phase.SUCCESSFUL)


async def test_no_count_no_interval_measures_once() -> None:
    run, provider = runner(spec({"name": "m", "successCondition": "result > 0"}), 1)
    assert (await run.run()).phase is Phase.SUCCESSFUL
    assert len(provider.calls) == 1


async def test_initial_delay() -> None:
    run, provider = runner(spec({"name": "m", "initialDelay": "30s"}), 1)
    await run.run()
    assert provider.calls == [30.0]


@pytest.mark.parametrize(("failures", "phase"), [(1, Phase.SUCCESSFUL), (2, Phase.FAILED)])
async def test_failure_limit(failures: int, phase: Phase) -> None:
    script = [0] * failures + [1]
    run, _ = runner(
        spec(
            {
                "name": "m",
                "count": 4,
                "interval": "10s",
                "failureLimit": 1,
                "successCondition": "result > 0",
            }
        ),
        *script,
    )
    state = await run.run()
    assert state.phase is phase
    if phase is Phase.FAILED:
        # It stops at the failure that passes the limit.
        assert phases(state) == ["Failed", "Failed"]
        assert state.message == "metric 'm' assessed Failed: failed (2) > failureLimit (1)"
    else:
        assert phases(state) == ["Failed", "Successful", "Successful", "Successful"]


async def test_default_failure_limit_is_zero() -> None:
    run, _ = runner(
        spec({"name": "m", "count": 3, "interval": "10s", "successCondition": "result > 0"}), 1, 0
    )
    state = await run.run()
    assert state.phase is Phase.FAILED
    assert phases(state) == ["Successful", "Failed"]


@pytest.mark.parametrize(
    ("inconclusive", "phase"), [(1, Phase.SUCCESSFUL), (2, Phase.INCONCLUSIVE)]
)
async def test_inconclusive_limit(inconclusive: int, phase: Phase) -> None:
    run, _ = runner(
        spec(
            {
                "name": "m",
                "count": 3,
                "interval": "10s",
                "inconclusiveLimit": 1,
                "successCondition": "result > 5",
                "failureCondition": "result < 2",
            }
        ),
        *([3] * inconclusive + [9]),
    )
    state = await run.run()
    assert state.phase is phase


@pytest.mark.parametrize(("errors", "phase"), [(4, Phase.SUCCESSFUL), (5, Phase.ERROR)])
async def test_consecutive_error_limit_defaults_to_four(errors: int, phase: Phase) -> None:
    run, provider = runner(
        spec({"name": "m", "successCondition": "result > 0"}), *([error()] * errors + [1])
    )
    state = await run.run()
    assert state.phase is phase
    # Errors are retried every 10 s, and do not count towards `count`.
    assert provider.calls == [10.0 * i for i in range(5 if phase is Phase.ERROR else errors + 1)]
    if phase is Phase.ERROR:
        assert state.result("m").message == "consecutiveErrors (5) > consecutiveErrorLimit (4)"


async def test_a_result_between_errors_resets_the_consecutive_count() -> None:
    script = [error(), error(), 1, error(), error(), 1]
    run, _ = runner(
        spec(
            {
                "name": "m",
                "count": 2,
                "interval": "1m",
                "consecutiveErrorLimit": 2,
                "successCondition": "result > 0",
            }
        ),
        *script,
    )
    state = await run.run()
    assert state.phase is Phase.SUCCESSFUL
    assert state.result("m").error == 4


async def test_condition_that_cannot_be_evaluated_is_an_error_measurement() -> None:
    run, _ = runner(
        spec({"name": "m", "consecutiveErrorLimit": 0, "successCondition": "result.x > 1"}), [1]
    )
    state = await run.run()
    assert state.phase is Phase.ERROR
    assert state.result("m").measurements[0].message == (
        "metric 'm': 'result.x > 1': cannot fetch 'x' from array"
    )


async def test_one_failing_metric_ends_the_others() -> None:
    clock = VirtualClock()
    steady = Scripted(clock, 1)
    failing = Scripted(clock, 1, 1, 0)
    run_spec = AnalysisRunSpec.model_validate(
        {
            "metrics": [
                {
                    "name": "forever",
                    "interval": "10s",
                    "successCondition": "result > 0",
                    "provider": {"web": {"url": "http://a"}},
                },
                {
                    "name": "rate",
                    "interval": "30s",
                    "count": 5,
                    "successCondition": "result > 0",
                    "provider": {"prometheus": {"query": "q"}},
                },
            ]
        }
    )
    run = AnalysisRunner(run_spec, Providers(web=steady, prometheus=failing), clock)
    state = await run.run()
    assert state.phase is Phase.FAILED
    assert failing.calls == [0.0, 30.0, 60.0]
    assert steady.calls == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert state.result("forever").phase is Phase.SUCCESSFUL
    assert state.result("forever").message == "run terminated"
    assert state.message.startswith("metric 'rate' assessed Failed")


@pytest.mark.parametrize("how", ["flag", "spec"])
async def test_dry_run_metrics_do_not_decide(how: str) -> None:
    fields = {"dryRun": [{"metricName": "canary-.*"}]} if how == "spec" else {}
    run_spec = spec(
        {"name": "canary-errors", "count": 2, "interval": "5s", "successCondition": "result > 0"},
        **fields,
    )
    run, provider = runner(run_spec, 0, dry_run=how == "flag")
    state = await run.run()
    assert state.phase is Phase.SUCCESSFUL
    assert state.result("canary-errors").phase is Phase.FAILED
    assert state.result("canary-errors").dry_run
    # A dry-run failure does not stop the run: the metric measures until its count.
    assert provider.calls == [0.0]
    # The same metric, not a dry run, fails the run.
    run, _ = runner(run_spec.model_copy(update={"dry_run": []}), 0)
    assert (await run.run()).phase is Phase.FAILED


async def test_dry_run_metric_beside_a_real_one() -> None:
    clock = VirtualClock()
    run_spec = AnalysisRunSpec.model_validate(
        {
            "dryRun": [{"metricName": "^experimental$"}],
            "metrics": [
                {
                    "name": "experimental",
                    "count": 3,
                    "interval": "5s",
                    "failureLimit": 0,
                    "successCondition": "result > 0",
                    "provider": {"web": {"url": "http://a"}},
                },
                {
                    "name": "real",
                    "count": 3,
                    "interval": "5s",
                    "successCondition": "result > 0",
                    "provider": {"prometheus": {"query": "q"}},
                },
            ],
        }
    )
    failing, passing = Scripted(clock, 0), Scripted(clock, 1)
    state = await AnalysisRunner(run_spec, Providers(web=failing, prometheus=passing), clock).run()
    assert state.phase is Phase.SUCCESSFUL
    assert len(passing.calls) == 3
    assert state.result("experimental").phase is Phase.FAILED


async def test_terminate_ends_an_open_ended_metric_successfully() -> None:
    run, provider = runner(
        spec({"name": "m", "interval": "10s", "successCondition": "result > 0"}), 1
    )
    task = asyncio.create_task(run.run())
    while len(provider.calls) < 3:
        await asyncio.sleep(0.001)
    run.terminate()
    state = await task
    assert state.phase is Phase.SUCCESSFUL
    assert state.terminate
    assert state.result("m").message == "run terminated"


async def test_cancel_and_resume_from_recorded_measurements() -> None:
    run_spec = spec({"name": "m", "count": 5, "interval": "1m", "successCondition": "result > 0"})
    saved: list[RunState] = []
    tasks: list[asyncio.Task[RunState]] = []

    def save(state: RunState) -> None:
        saved.append(state)
        # Stop (a controller going away) right after the second measurement is saved.
        if len(state.result("m").measurements) == 2:
            tasks[0].cancel()

    run, _ = runner(run_spec, 1, on_update=save)
    tasks.append(asyncio.create_task(run.run()))
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    recorded = saved[-1]
    assert recorded.phase is Phase.RUNNING
    assert len(recorded.result("m").measurements) == 2
    # A new runner (a restarted controller) continues where the first stopped.
    again, second = runner(run_spec, 1)
    again.clock.elapsed = 120.0  # type: ignore[attr-defined]
    state = await again.run(recorded)
    assert state.phase is Phase.SUCCESSFUL
    assert len(state.result("m").measurements) == 5
    assert second.calls == [120.0, 180.0, 240.0]


async def test_resume_of_a_finished_run_measures_nothing() -> None:
    run_spec = spec({"name": "m", "successCondition": "result > 0"})
    run, _ = runner(run_spec, 1)
    done = await run.run()
    again, provider = runner(run_spec, 1)
    assert (await again.run(done)).phase is Phase.SUCCESSFUL
    assert provider.calls == []


async def test_arguments_resolve_or_error() -> None:
    run_spec = AnalysisRunSpec.model_validate(
        {
            "args": [{"name": "threshold"}],
            "metrics": [
                {
                    "name": "m",
                    "successCondition": "result > {{args.threshold}}",
                    "provider": {"web": {"url": "http://a"}},
                }
            ],
        }
    )
    run, provider = runner(run_spec, 5)
    state = await run.run()
    assert state.phase is Phase.ERROR
    assert state.message == "unable to resolve metric arguments: argument 'threshold' has no value"
    assert provider.calls == []
    run, _ = runner(run_spec, 5, args={"threshold": "3"})
    assert (await run.run()).phase is Phase.SUCCESSFUL
    run, _ = runner(run_spec, 5, args={"threshold": "7"})
    assert (await run.run()).phase is Phase.FAILED


def test_pure_schedule() -> None:
    run_spec = spec({"name": "m", "count": 2, "interval": "1m", "initialDelay": "5s"})
    [metric] = resolve_metrics(run_spec)
    state = assess_run([metric], start_state(run_spec, START))
    assert state.phase is Phase.RUNNING
    assert next_due(metric, state.result("m"), START).isoformat() == "2026-01-01T00:00:05+00:00"


async def test_runs_in_real_time_against_a_real_server() -> None:
    answers = iter([0.99, 0.97, 0.5])

    def handle(_request: object, _body: bytes) -> tuple[int, Any]:
        return 200, {"rate": next(answers)}

    with http_server(handle) as url:  # type: ignore[arg-type]
        run_spec = AnalysisRunSpec.model_validate(
            {
                "metrics": [
                    {
                        "name": "rate",
                        "count": 3,
                        "interval": "50ms",
                        "failureLimit": 1,
                        "successCondition": "result >= 0.95",
                        "provider": {"web": {"url": url, "jsonPath": "{$.rate}"}},
                    }
                ]
            }
        )
        state = await AnalysisRunner(run_spec, Providers(web=WebProvider())).run()
    assert state.phase is Phase.SUCCESSFUL
    result = state.result("rate")
    assert [m.value for m in result.measurements] == ["0.99", "0.97", "0.5"]
    assert result.failed == 1
    gaps = [
        (b.started_at - a.finished_at).total_seconds()
        for a, b in zip(result.measurements, result.measurements[1:], strict=False)
    ]
    assert all(gap >= 0.045 for gap in gaps)
