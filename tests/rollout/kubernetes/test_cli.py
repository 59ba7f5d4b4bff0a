"""The real commands, as processes, against the real API server: `seaway rollout ...
--kubeconfig` finds the Application's Rollout by its tracking label and queues commands that the
Kubernetes target hands to the driver; `seaway controller` runs the cluster's Rollouts."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from seaway.model.tracking import stamp
from seaway.rollout.engine import status_to_dict
from seaway.rollout.engine.types import Command, RolloutPhase, RolloutStatus
from tests.conftest import Kube
from tests.rollout.kubernetes.conftest import Cluster, rollout, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

SEAWAY = str(Path(sys.executable).with_name("seaway"))


def seaway(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEAWAY, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)},
    )


async def test_commands_reach_the_rollout_in_the_cluster(cluster: Cluster, kube: Kube) -> None:
    manifest = rollout({"canary": {"steps": [{"pause": {}}]}})
    manifest["metadata"]["namespace"] = cluster.namespace
    await cluster.create(stamp("shop", manifest))
    config = ("--kubeconfig", str(kube.kubeconfig))

    done = seaway("rollout", "pause", "shop", *config)
    assert done.returncode == 0, done.stderr
    assert f"pause queued for Rollout {cluster.namespace}/web" in done.stdout
    done = seaway("rollout", "promote", "shop", "--promote-full", *config)
    assert done.returncode == 0, done.stderr
    done = seaway("rollout", "abort", "shop", "--rollout", "web", *config)
    assert done.returncode == 0, done.stderr

    taken = await cluster.target.take_commands(await cluster.rollout())
    assert taken == [Command.PAUSE, Command.PROMOTE_FULL, Command.ABORT]

    shown = seaway("rollout", "status", "shop", *config)
    assert shown.returncode == 0, shown.stderr
    assert "not picked up by the controller yet" in shown.stdout
    paused = RolloutStatus(phase=RolloutPhase.PAUSED, stable_hash="abc", current_step_index=0)
    await cluster.target.write_status(await cluster.rollout(), status_to_dict(paused))
    shown = seaway("rollout", "status", "shop", *config)
    assert shown.returncode == 0, shown.stderr
    assert "Paused" in shown.stdout
    assert f"{cluster.namespace}/web" in shown.stdout

    missing = seaway("rollout", "promote", "nothing-here", *config)
    assert missing.returncode == 1
    assert "application 'nothing-here' has no Rollouts in the cluster" in missing.stderr
    wrong = seaway("rollout", "retry", "shop", "--rollout", "other", *config)
    assert wrong.returncode == 1
    assert "has no Rollout 'other'" in wrong.stderr


async def test_the_controller_runs_rollouts_in_the_cluster(
    cluster: Cluster, kube: Kube, tmp_path: Path
) -> None:
    log = tmp_path / "controller.log"
    env = {"PATH": str(Path(sys.executable).parent), "KUBECONFIG": str(kube.kubeconfig)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [SEAWAY, "controller", "--namespace", cluster.namespace, "--repo-cache", str(tmp_path)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            await cluster.create(rollout({"canary": {"steps": [{"setWeight": 50}]}}))

            async def healthy() -> bool:
                status = (await cluster.rollout()).get("status") or {}
                return status.get("phase") == "Healthy" and status.get("availableReplicas") == 2

            await wait_for(healthy, "the Rollout Healthy under `seaway controller`", timeout=90)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()
    sets = await cluster.rest.list("apps/v1", "ReplicaSet", cluster.namespace)
    assert len(sets) == 1
