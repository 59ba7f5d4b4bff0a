"""Run an integration-test Kubernetes Job as a gate: create it, wait for Complete or Failed.

The Job form of `seaway gate test`. The cluster is reached through the small structural
`JobCluster` protocol (the Kubernetes backend's REST client satisfies it), so this package does
not import the cluster package. The Job runs under its manifest's name with a random suffix, so
a pipeline may run it again; a finished Job is left for its logs to be read (its
`ttlSecondsAfterFinished` cleans up), a timed-out one is deleted with its Pods.

What is recorded: passed (condition Complete) or not (Failed, or the timeout), the duration, and
the sha256 of the Job's final status (its conditions and counts): reading the Pods' logs is not
built, so the digest proves which run it was, not what it printed.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from seaway.gates.testrun import TestRun

JOB_API = "batch/v1"


class JobCluster(Protocol):
    async def apply(self, obj: Mapping[str, Any]) -> dict[str, Any]: ...

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None: ...

    async def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        propagation: str = "Foreground",
    ) -> bool: ...


class JobSpecError(ValueError):
    """The manifest is not a Job Seaway can run; the message names the field."""


def job_to_run(manifest: Mapping[str, Any], source: str, namespace: str | None) -> dict[str, Any]:
    if manifest.get("kind") != "Job" or manifest.get("apiVersion") != JOB_API:
        found = f"{manifest.get('apiVersion')} {manifest.get('kind')}"
        raise JobSpecError(f"{source}: apiVersion/kind: expected {JOB_API} Job, found {found}")
    job = copy.deepcopy(dict(manifest))
    meta = job.setdefault("metadata", {})
    base = meta.get("name") or meta.get("generateName", "").rstrip("-")
    if not base:
        raise JobSpecError(f"{source}: metadata.name: missing")
    meta.pop("generateName", None)
    meta["name"] = f"{base[:50]}-{uuid.uuid4().hex[:6]}"
    meta["namespace"] = namespace or meta.get("namespace") or "default"
    return job


def outcome(job: Mapping[str, Any]) -> bool | None:
    """True when Complete, False when Failed, None while it runs."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return True
        if condition.get("type") == "Failed":
            return False
    return None


async def run_job(
    cluster: JobCluster, job: Mapping[str, Any], timeout: float, poll: float = 1.0
) -> tuple[TestRun, str]:
    """(the record, why it ended); `job` as `job_to_run` returns it."""
    meta = job["metadata"]
    name, namespace = str(meta["name"]), str(meta["namespace"])
    started = time.monotonic()
    await cluster.apply(job)
    last: Mapping[str, Any] = {}
    result: bool | None = None
    while time.monotonic() - started < timeout:
        last = await cluster.get(JOB_API, "Job", name, namespace) or {}
        result = outcome(last)
        if result is not None:
            break
        await asyncio.sleep(poll)
    status = dict(last.get("status") or {})
    digest = hashlib.sha256(json.dumps(status, sort_keys=True).encode()).hexdigest()
    timed_out = result is None
    if timed_out:
        await cluster.delete(JOB_API, "Job", name, namespace, propagation="Background")
        why = f"Job {namespace}/{name} did not finish in {timeout:g} s; deleted"
    else:
        why = f"Job {namespace}/{name} {'completed' if result else 'failed'}" + _reason(status)
    run = TestRun(
        command=("job", f"{namespace}/{name}"),
        exit_code=None if timed_out else (0 if result else 1),
        timed_out=timed_out,
        duration=time.monotonic() - started,
        output_digest=f"sha256:{digest}",
    )
    return run, why


def _reason(status: Mapping[str, Any]) -> str:
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            return f": {condition.get('reason', '')} {condition.get('message', '')}".rstrip()
    return ""
