"""The resources users write and the status vocabulary.

Application, ApplicationSet, AppProject, Stage and rollout strategies, with Argo CD's field
names where Argo CD has the concept. Pure: imports nothing of seaway and no I/O library.
"""

from seaway.model.status import HealthStatus, OperationPhase, SyncStatus

__all__ = ["HealthStatus", "OperationPhase", "SyncStatus"]
