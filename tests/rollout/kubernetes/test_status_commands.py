"""The Rollout object itself on the real API server: status written through the status
subresource without touching the spec, commands queued in an annotation and taken once, and
neither read as drift of the Application that deployed the Rollout."""

from __future__ import annotations

import copy

import pytest

from seaway.cluster.kubernetes import KubeError
from seaway.diff import diff
from seaway.model.tracking import stamp
from seaway.rollout.engine.types import Command
from seaway.rollout.ownership import CLI_MANAGER, COMMANDS_ANNOTATION
from seaway.rollout.targets.kubernetes import KubernetesRolloutTarget
from tests.rollout.kubernetes.conftest import Cluster, rollout

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

CANARY = {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}}


async def test_status_is_written_without_touching_the_spec(cluster: Cluster) -> None:
    before = await cluster.create(rollout(CANARY))
    status = {
        "phase": "Paused",
        "currentPodHash": "abc",
        "currentStepIndex": 1,
        "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}],
        "replicas": 2,
    }
    await cluster.target.write_status(before, status)
    after = await cluster.rollout()
    assert after["spec"] == before["spec"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])
    assert after["status"]["phase"] == "Paused"
    assert after["status"]["pauseConditions"][0]["reason"] == "CanaryPauseStep"
    # What the scale subresource reads.
    assert after["status"]["selector"] == "app=web"
    assert after["status"]["HPAReplicas"] == 2

    # The next status replaces the last: a condition the engine dropped is gone.
    await cluster.target.write_status(after, {"phase": "Progressing", "currentStepIndex": 2})
    latest = await cluster.rollout()
    assert "pauseConditions" not in latest["status"]
    assert latest["status"]["currentStepIndex"] == 2
    assert latest["metadata"]["generation"] == before["metadata"]["generation"]


async def test_commands_round_trip_once_in_order_without_drift(cluster: Cluster) -> None:
    placed = rollout(CANARY)
    placed["metadata"]["namespace"] = cluster.namespace
    desired = stamp("shop", placed)
    created = await cluster.rest.apply(copy.deepcopy(desired))

    # The CLI is another process with its own connection.
    cli = KubernetesRolloutTarget(cluster.rest)
    await cli.give_command(cluster.namespace, "web", Command.PAUSE)
    await cli.give_command(cluster.namespace, "web", Command.PROMOTE)
    queued = await cluster.rollout()
    assert COMMANDS_ANNOTATION in queued["metadata"]["annotations"]
    managers = {m["manager"] for m in queued["metadata"]["managedFields"]}
    assert CLI_MANAGER in managers
    assert queued["spec"] == created["spec"]
    assert queued["metadata"]["generation"] == created["metadata"]["generation"]
    # A queued command is not drift of the Application that deployed the Rollout.
    assert not diff(desired, queued).modified
    predicted = await cluster.rest.apply(copy.deepcopy(desired), dry_run=True)
    assert predicted["metadata"]["annotations"][COMMANDS_ANNOTATION]

    # The driver holds an older copy of the Rollout; the commands are read fresh.
    assert await cluster.target.take_commands(created) == [Command.PAUSE, Command.PROMOTE]
    assert await cluster.target.take_commands(created) == []
    taken = await cluster.rollout()
    assert COMMANDS_ANNOTATION not in (taken["metadata"].get("annotations") or {})
    assert not diff(desired, taken).modified

    with pytest.raises(KubeError, match=r"Rollout .*/absent not found"):
        await cli.give_command(cluster.namespace, "absent", Command.ABORT)


async def test_analysis_templates_are_read_from_the_cluster(cluster: Cluster) -> None:
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate", "namespace": ""},
        "spec": {"metrics": [{"name": "ok", "provider": {"web": {"url": "http://x"}}}]},
    }
    await cluster.create(template)
    found = await cluster.target.analysis_template(
        cluster.namespace, "success-rate", cluster_scope=False
    )
    assert found is not None
    assert found["spec"]["metrics"][0]["name"] == "ok"
    assert (
        await cluster.target.analysis_template(cluster.namespace, "absent", cluster_scope=False)
        is None
    )
    assert (
        await cluster.target.analysis_template(
            cluster.namespace, "success-rate", cluster_scope=True
        )
        is None
    )
