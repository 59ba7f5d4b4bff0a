"""`python -m bench rollout` with one sample, so the bench keeps working as the code changes:
the local backend's scenarios (real webapp processes behind the real router) and the abort on
the real API server. Speed is not asserted here; docs/benchmarks.md records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import rollout
from bench.rollout import kube as kube_bench
from tests.conftest import Kube

ROOT = Path(__file__).parents[2]


@pytest.mark.anyio
async def test_the_local_bench_measures_every_scenario_once(tmp_path: Path) -> None:
    figures = await rollout.run_local(tmp_path, samples=1, rollouts=2)

    assert len(figures.abort.to_table) == 1
    assert len(figures.abort.to_stable_answer) == 1
    # The stable answer comes after the table that sent it there.
    assert figures.abort.to_stable_answer[0] >= figures.abort.to_table[0]
    assert len(figures.abort.step) == 1
    assert len(figures.switch.to_switch) == 1
    assert figures.switch.sent[0] > 0, "the client sent nothing during the switch"
    assert figures.switch.failed == [0]
    assert len(figures.downtime.seen) == 1
    assert figures.downtime.recorded[0] > 0
    assert figures.load.rollouts == 2
    assert figures.load.cpu_s > 0
    shown = rollout.report_local(figures)
    for label in ("abort: failure -> table on stable", "blue/green: requests failed", "ratio"):
        assert label in shown, shown


@pytest.mark.kube
@pytest.mark.anyio
async def test_the_kubernetes_bench_measures_an_abort(kube: Kube) -> None:
    figures = await kube_bench.run(kube.kubeconfig, samples=1)

    assert len(figures.to_route) == 1
    assert "abort: failure -> HTTPRoute 100/0" in rollout.report_kube(figures, 1.0)


def test_the_command_line_offers_the_rollout_bench() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "bench", "rollout", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    for option in ("--samples", "--backend", "--rollouts"):
        assert option in shown.stdout
