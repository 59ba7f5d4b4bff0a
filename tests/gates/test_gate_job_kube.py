"""`seaway gate test --job FILE` on the real API server (the testbed: kube-apiserver,
kube-controller-manager's Job controller, the scheduler and KWOK).

KWOK runs no containers: it marks a Job's scheduled Pods Succeeded (its pod-complete stage), so
a schedulable Job completes; a failure is a Job whose Pod can never be scheduled (a node
selector no node has) and whose activeDeadlineSeconds then fails it, which the real Job
controller decides. The test writes no Job status itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from typer.testing import CliRunner

from seaway.cli.main import app
from seaway.cluster.kubernetes import KubeRest
from tests.conftest import Kube

pytestmark = pytest.mark.kube

runner = CliRunner()
IMAGE = "registry.example/shop/api@sha256:" + "ab" * 32


def _job(unschedulable: bool = False, deadline: int | None = None) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{"name": "e2e", "image": "registry.example/e2e:1", "command": ["e2e"]}],
    }
    if unschedulable:
        pod["nodeSelector"] = {"seaway.test/none": "nowhere"}
    spec: dict[str, Any] = {"backoffLimit": 0, "template": {"spec": pod}}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "e2e"}, "spec": spec}


async def _namespace(kubeconfig: Path, name: str, delete: bool) -> None:
    async with KubeRest.from_kubeconfig(kubeconfig) as rest:
        if delete:
            await rest.delete("v1", "Namespace", name)
        else:
            await rest.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


async def _jobs(kubeconfig: Path, namespace: str) -> list[dict[str, Any]]:
    async with KubeRest.from_kubeconfig(kubeconfig) as rest:
        return await rest.list("batch/v1", "Job", namespace)


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    name = f"gate-{uuid.uuid4().hex[:6]}"
    anyio.run(_namespace, kube.kubeconfig, name, False)
    yield name
    anyio.run(_namespace, kube.kubeconfig, name, True)


def _gate(kube: Kube, tmp: Path, namespace: str, job: dict[str, Any], *extra: str) -> Any:
    path = tmp / f"job-{uuid.uuid4().hex[:4]}.yaml"
    path.write_text(yaml.safe_dump(job))
    args = [
        "gate", "test", "--stage", "dev", "--image", IMAGE, "--job", str(path),
        "--job-namespace", namespace, "--kubeconfig", str(kube.kubeconfig), "--json", *extra,
    ]  # fmt: skip
    return runner.invoke(app, args, env={"COLUMNS": "200"})


def _record(result: Any) -> dict[str, Any]:
    return dict(json.loads(result.stdout[result.stdout.index("{") :]))


def test_job_that_completes_passes(kube: Kube, tmp_path: Path, namespace: str) -> None:
    result = _gate(kube, tmp_path, namespace, _job(), "--timeout", "120")
    assert result.exit_code == 0, result.output
    record = _record(result)
    assert record["passed"] is True
    assert record["command"][0] == "job"
    assert record["command"][1].startswith(f"{namespace}/e2e-")
    assert f"Job {record['command'][1]} completed" in result.stderr
    # The finished Job stays for its logs.
    [job] = anyio.run(_jobs, kube.kubeconfig, namespace)
    assert job["metadata"]["name"] == record["command"][1].split("/")[1]


def test_job_that_fails_fails(kube: Kube, tmp_path: Path, namespace: str) -> None:
    job = _job(unschedulable=True, deadline=2)
    result = _gate(kube, tmp_path, namespace, job, "--timeout", "120")
    assert result.exit_code == 1, result.output
    record = _record(result)
    assert (record["passed"], record["exitCode"], record["timedOut"]) == (False, 1, False)
    assert "failed: DeadlineExceeded" in result.stderr


def test_job_that_runs_too_long_is_deleted(kube: Kube, tmp_path: Path, namespace: str) -> None:
    result = _gate(kube, tmp_path, namespace, _job(unschedulable=True), "--timeout", "2")
    assert result.exit_code == 1, result.output
    record = _record(result)
    assert (record["passed"], record["exitCode"], record["timedOut"]) == (False, None, True)
    assert "did not finish in 2 s; deleted" in result.stderr
    remaining = anyio.run(_jobs, kube.kubeconfig, namespace)
    assert all(j["metadata"].get("deletionTimestamp") for j in remaining)


def test_bad_job_files_exit_2(kube: Kube, tmp_path: Path, namespace: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}
    result = _gate(kube, tmp_path, namespace, pod)
    assert result.exit_code == 2
    assert "apiVersion/kind: expected batch/v1 Job, found v1 Pod" in result.stderr
    both = runner.invoke(
        app, ["gate", "test", "--stage", "dev", "--image", IMAGE, "--job", "x.yaml", "--", "true"]
    )
    assert both.exit_code == 2
    assert "give --job FILE or a command after --, not both" in both.stderr
