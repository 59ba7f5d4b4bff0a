"""APIService and Namespace: objects the control plane itself acts on."""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing


def api_service(obj: f.Obj) -> HealthResult:
    available = f.condition(obj, "Available")
    if available is None:
        return progressing("Waiting for the aggregator to check the APIService")
    if available.true:
        return healthy(available.describe())
    # Like Argo CD: the backing Service may simply not be up yet (it is often synced in the
    # same wave), so an unavailable APIService is Progressing, not Degraded.
    return progressing(available.describe() or "APIService is not available")


# The namespace controller sets these True when it cannot finish deleting the namespace's content.
_DELETION_FAILURES = (
    "NamespaceDeletionDiscoveryFailure",
    "NamespaceDeletionGroupVersionParsingFailure",
    "NamespaceDeletionContentFailure",
)


def namespace(obj: f.Obj) -> HealthResult | None:
    deleting = bool(f.value(obj, "metadata", "deletionTimestamp"))
    if not deleting and f.string(obj, "status", "phase") != "Terminating":
        # An Active namespace is a container, not a workload: it has no health of its own.
        return None
    for condition in f.conditions(obj):
        if condition.type in _DELETION_FAILURES and condition.true:
            return degraded(condition.describe())
    remaining = [
        c.message
        for c in f.conditions(obj)
        if c.type in ("NamespaceContentRemaining", "NamespaceFinalizersRemaining") and c.true
    ]
    return progressing("; ".join(m for m in remaining if m) or "Namespace is terminating")
