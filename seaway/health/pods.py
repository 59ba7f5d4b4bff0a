"""Pods: phase, readiness, and containers stuck waiting on an error.

A pod that restarts forever (restartPolicy Always) is meant to run and be ready; a pod that runs
to completion (Never, OnFailure) is a hook or a Job's worker, and is Progressing until it ends.
"""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, unknown

# Argo CD's annotation for operator-managed pods that run forever despite restartPolicy Never.
IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"


def _stuck(reason: str) -> bool:
    # CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ...: the
    # kubelet retries these forever, so waiting longer will not fix them.
    return reason.startswith("Err") or reason.endswith(("Error", "BackOff"))


def _waiting_on_errors(obj: f.Obj) -> list[str]:
    found = []
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in f.objects(obj, "status", key):
            reason = f.string(container, "state", "waiting", "reason")
            if reason and _stuck(reason):
                message = f.string(container, "state", "waiting", "message")
                who = f.string(container, "name")
                found.append(f"container {who!r}: {reason}" + (f": {message}" if message else ""))
    return found


def _failure(obj: f.Obj) -> str:
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in f.objects(obj, "status", key):
            terminated = f.mapping(container, "state", "terminated")
            if not terminated:
                continue
            message = f.string(terminated, "message")
            reason = f.string(terminated, "reason")
            code = f.integer(terminated, "exitCode")
            if message:
                return message
            if reason == "OOMKilled":
                return f"container {f.string(container, 'name')!r} was OOMKilled"
            if code != 0:
                return f"container {f.string(container, 'name')!r} failed with exit code {code}"
    return ""


def _job_owner(obj: f.Obj) -> str | None:
    for owner in f.objects(obj, "metadata", "ownerReferences"):
        if (
            f.string(owner, "kind") == "Job"
            and f.group_of(f.string(owner, "apiVersion")) == "batch"
        ):
            return f.string(owner, "name")
    return None


def _ready(obj: f.Obj) -> bool:
    ready = f.condition(obj, "Ready")
    return ready is not None and ready.true


def pod(obj: f.Obj) -> HealthResult:
    policy = f.string(obj, "spec", "restartPolicy", default="Always")
    runs_forever = policy == "Always" or f.annotation(obj, IGNORE_RESTART_POLICY) is not None
    message = f.string(obj, "status", "message")
    # Only for pods that run forever: a hook pod marked Degraded while its image is still being
    # pulled would fail the sync, then run anyway once the image arrives.
    if policy == "Always":
        stuck = _waiting_on_errors(obj)
        if stuck:
            return degraded("; ".join(stuck))
    phase = f.string(obj, "status", "phase")
    # The API server writes Pending at creation; an empty phase is a pod not yet written back.
    if phase in ("Pending", ""):
        return progressing(message or "Pod is pending")
    if phase == "Succeeded":
        return healthy(message)
    if phase == "Failed":
        return degraded(message or _failure(obj) or "Pod failed")
    if phase == "Running":
        if not runs_forever:
            job = _job_owner(obj)
            return progressing(
                message
                or (f"Pod of Job {job!r} is running" if job else "Pod is running to completion")
            )
        if _ready(obj):
            return healthy(message)
        # A container that has already died once and is not ready again is crashing, not starting.
        for container in f.objects(obj, "status", "containerStatuses"):
            if f.mapping(container, "lastState", "terminated"):
                return degraded(message or f"container {f.string(container, 'name')!r} restarted")
        return progressing(message or "Waiting for the pod to be ready")
    return unknown(message or f"Pod phase is {phase or 'not reported'}")
