"""PersistentVolumeClaim: bound, being provisioned, waiting for a consumer, or lost."""

from __future__ import annotations

from seaway.health import fields as f
from seaway.health.result import HealthResult, degraded, healthy, progressing, unknown

# Set by the PV controller once a provisioner is responsible; the beta name is the older spelling.
PROVISIONER_ANNOTATIONS = (
    "volume.kubernetes.io/storage-provisioner",
    "volume.beta.kubernetes.io/storage-provisioner",
)


def persistent_volume_claim(obj: f.Obj) -> HealthResult:
    phase = f.string(obj, "status", "phase")
    if phase == "Bound":
        return healthy()
    if phase == "Lost":
        return degraded("The claim's PersistentVolume is lost")
    if phase in ("Pending", ""):
        if any(f.annotation(obj, key) is not None for key in PROVISIONER_ANNOTATIONS):
            return progressing("Provisioning volume")
        # A WaitForFirstConsumer claim stays Pending until a pod uses it: that is its resting
        # state, and calling it Progressing would hold up every sync wave that contains it.
        return healthy("Waiting for consumer")
    return unknown(f"PersistentVolumeClaim phase is {phase}")
