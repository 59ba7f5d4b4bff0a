"""Deployment, StatefulSet, DaemonSet and ReplicaSet: is the rollout of the newest spec done?

The questions follow `kubectl rollout status`, as Argo CD's do: has the controller seen the
newest generation, are all replicas updated, are the old ones gone, are the new ones available.
"""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, suspended


def _replicas(obj: f.Obj) -> int:
    # The API server defaults spec.replicas to 1; a hand-written object may leave it out.
    return f.integer(obj, "spec", "replicas", default=1)


def deployment(obj: f.Obj) -> HealthResult:
    if f.boolean(obj, "spec", "paused"):
        return suspended("Deployment is paused")
    if f.observed_generation(obj) < f.generation(obj):
        return progressing(
            "Waiting for rollout to finish: the controller has not seen the newest spec yet"
        )
    progress = f.condition(obj, "Progressing")
    if progress is not None and progress.reason == "ProgressDeadlineExceeded":
        return degraded(f"Deployment {f.name(obj)!r} exceeded its progress deadline")
    wanted = _replicas(obj)
    total = f.integer(obj, "status", "replicas")
    updated = f.integer(obj, "status", "updatedReplicas")
    available = f.integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing(
            f"Waiting for rollout to finish: {updated} of {wanted} new replicas have been updated"
        )
    if total > updated:
        return progressing(
            f"Waiting for rollout to finish: {total - updated} old replicas are pending termination"
        )
    if available < updated:
        return progressing(
            f"Waiting for rollout to finish: {available} of {updated} updated replicas available"
        )
    return healthy()


def stateful_set(obj: f.Obj) -> HealthResult:
    observed = f.observed_generation(obj)
    # 0 means the controller has never written status, even when metadata.generation is absent.
    if observed == 0 or observed < f.generation(obj):
        return progressing("Waiting for the controller to see the newest StatefulSet spec")
    wanted = _replicas(obj)
    ready = f.integer(obj, "status", "readyReplicas")
    if ready < wanted:
        return progressing(f"Waiting for {wanted - ready} pods to be ready")
    updated = f.integer(obj, "status", "updatedReplicas")
    strategy = f.string(obj, "spec", "updateStrategy", "type", default="RollingUpdate")
    if strategy == "OnDelete":
        # The controller replaces a pod only when someone deletes it: nothing to wait for.
        return healthy(f"StatefulSet has {ready} ready pods; OnDelete updates wait for deletions")
    partition = f.integer(obj, "spec", "updateStrategy", "rollingUpdate", "partition")
    # Pods with an ordinal below the partition keep the old revision on purpose.
    target = max(wanted - partition, 0)
    if updated < target:
        return progressing(
            f"Waiting for partitioned rollout to finish: {updated} of {target} new pods updated"
        )
    if partition > 0:
        return healthy(f"Partitioned rollout complete: {updated} new pods updated")
    current = f.string(obj, "status", "currentRevision")
    update = f.string(obj, "status", "updateRevision")
    if update and current and update != current:
        return progressing(f"Waiting for rolling update to revision {update} to complete")
    return healthy(f"Rolling update complete: {ready} pods at revision {current or update}")


def daemon_set(obj: f.Obj) -> HealthResult:
    if f.observed_generation(obj) < f.generation(obj):
        return progressing("Waiting for the controller to see the newest DaemonSet spec")
    desired = f.integer(obj, "status", "desiredNumberScheduled")
    updated = f.integer(obj, "status", "updatedNumberScheduled")
    if f.string(obj, "spec", "updateStrategy", "type") == "OnDelete":
        return healthy(f"{updated} of {desired} pods updated; OnDelete updates wait for deletions")
    if updated < desired:
        return progressing(
            f"Waiting for rollout to finish: {updated} of {desired} new pods have been updated"
        )
    available = f.integer(obj, "status", "numberAvailable")
    if available < desired:
        return progressing(
            f"Waiting for rollout to finish: {available} of {desired} updated pods are available"
        )
    return healthy()


def replica_set(obj: f.Obj) -> HealthResult:
    if f.observed_generation(obj) < f.generation(obj):
        return progressing("Waiting for the controller to see the newest ReplicaSet spec")
    failure = f.condition(obj, "ReplicaFailure")
    if failure is not None and failure.true:
        return degraded(failure.describe() or "ReplicaSet cannot create its pods")
    wanted = _replicas(obj)
    available = f.integer(obj, "status", "availableReplicas")
    if available < wanted:
        return progressing(f"Waiting for rollout to finish: {available} of {wanted} available")
    return healthy()
