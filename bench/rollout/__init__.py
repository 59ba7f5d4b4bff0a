"""Progressive delivery's speed: abort, canary steps, blue/green switch, recreate downtime and
the controller's cost with many rollouts at once (issue #5).

    .venv/bin/python -m bench rollout --samples 10                      # the local backend
    .venv/bin/python -m bench rollout --samples 10 --backend kubernetes # the test control plane

The local backend runs the demo web service as real processes behind the built-in router, the
rollout driver at the production tick, in this process; see local.py and load.py. On
Kubernetes, kube.py measures the abort on a real API server with KWOK's pods.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.rollout import kube, load, local
from bench.rollout.stats import p50_p99, percentile
from testbed.cluster import ControlPlane, build_all

# Issue #5: traffic back on stable 1 s or less after the failing measurement.
ABORT_GOAL_S = 1.0


@dataclass
class LocalFigures:
    abort: local.AbortFigures
    switch: local.SwitchFigures
    downtime: local.DowntimeFigures
    load: load.LoadFigures
    seconds: float


def _ratio(values: list[float], goal: float) -> str:
    return f"goal p99 {goal:g} s: ratio {percentile(values, 0.99) / goal:.2f}" if values else ""


def _line(label: str, values: list[float], extra: str = "") -> str:
    tail = f"; {extra}" if extra else ""
    return f"{label:<34} {p50_p99(values)}{tail}"


def report_local(f: LocalFigures) -> str:
    a, s, d, k = f.abort, f.switch, f.downtime, f.load
    failed, sent = sum(s.failed), sum(s.sent)
    lines = [
        _line("abort: failure -> table on stable", a.to_table, _ratio(a.to_table, ABORT_GOAL_S)),
        _line(
            "abort: failure -> stable answered",
            a.to_stable_answer,
            _ratio(a.to_stable_answer, ABORT_GOAL_S),
        ),
        _line("canary step: Ready -> weight set", a.step),
        _line("blue/green: promote -> switched", s.to_switch),
        f"{'blue/green: requests failed':<34} {failed} of {sent} during {len(s.failed)} "
        f"switches (goal 0)",
        _line("recreate: downtime clients saw", d.seen),
        _line("recreate: downtime in the status", d.recorded),
        f"{'controller, ' + str(k.rollouts) + ' rollouts at once':<34} {k.cpu_s:.2f} s CPU in "
        f"{k.wall_s:.1f} s ({k.cpu_s / k.wall_s * 100:.0f} % of one core), peak RSS "
        f"{k.peak_rss_mib:.0f} MiB",
        f"{'bench run':<34} {f.seconds:.0f} s, load average {_load()}",
    ]
    return "\n".join(lines)


def report_kube(f: kube.KubeFigures, seconds: float) -> str:
    return "\n".join(
        [
            _line(
                "abort: failure -> HTTPRoute 100/0",
                f.to_route,
                f"read every {kube.POLL * 1000:.0f} ms; {_ratio(f.to_route, ABORT_GOAL_S)}",
            ),
            f"{'bench run':<34} {seconds:.0f} s, load average {_load()}",
        ]
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_local(work: Path, samples: int, rollouts: int) -> LocalFigures:
    started = time.perf_counter()
    aborts = await local.abort(work / "abort", samples)
    switches = await local.blue_green(work / "blue-green", samples)
    downtime = await local.recreate(work / "recreate", samples)
    # Last: ru_maxrss is the process's peak, and this is the part that should set it.
    many = await load.run(work / "load", rollouts)
    return LocalFigures(aborts, switches, downtime, many, time.perf_counter() - started)


def run_kube(work: Path, samples: int) -> tuple[kube.KubeFigures, float]:
    started = time.perf_counter()
    plane = ControlPlane(work / "testbed", build_all(log=False), nodes=1)
    plane.start()
    try:
        figures = asyncio.run(kube.run(plane.kubeconfig, samples))
    finally:
        plane.stop()
    return figures, time.perf_counter() - started


def main(samples: int, backend: str, rollouts: int) -> None:
    print(f"load average before: {_load()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="seaway-bench-") as tmp:
        if backend == "kubernetes":
            print(report_kube(*run_kube(Path(tmp), samples)))
        else:
            print(report_local(asyncio.run(run_local(Path(tmp), samples, rollouts))))
