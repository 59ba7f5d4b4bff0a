"""The status words Seaway reports and the Application status it writes, spelled as Argo CD
spells them so that tools reading Argo CD status read Seaway's too."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from seaway.model.base import ArgoModel, Info
from seaway.model.destination import ApplicationDestination
from seaway.model.ignore_differences import ResourceIgnoreDifferences
from seaway.model.keys import ResourceKey
from seaway.model.source import ApplicationSource
from seaway.model.sync_policy import ManagedNamespaceMetadata, RetryStrategy


class SyncStatus(StrEnum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


class HealthStatus(StrEnum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"
    SUSPENDED = "Suspended"
    MISSING = "Missing"
    UNKNOWN = "Unknown"


class OperationPhase(StrEnum):
    RUNNING = "Running"
    TERMINATING = "Terminating"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"


class ApplicationConditionType(StrEnum):
    """Kinds of application condition; a type ending in "Error" is an error, else a warning."""

    COMPARISON_ERROR = "ComparisonError"
    SYNC_ERROR = "SyncError"
    INVALID_SPEC_ERROR = "InvalidSpecError"
    DELETION_ERROR = "DeletionError"
    UNKNOWN_ERROR = "UnknownError"
    SHARED_RESOURCE_WARNING = "SharedResourceWarning"
    REPEATED_RESOURCE_WARNING = "RepeatedResourceWarning"
    EXCLUDED_RESOURCE_WARNING = "ExcludedResourceWarning"
    ORPHANED_RESOURCE_WARNING = "OrphanedResourceWarning"
    # Seaway's own: the spec sets fields Seaway reads but does not act on yet.
    UNSUPPORTED_FIELD = "UnsupportedField"


class ResultCode(StrEnum):
    """What a sync did to one object."""

    SYNCED = "Synced"
    SYNC_FAILED = "SyncFailed"
    PRUNED = "Pruned"
    PRUNE_SKIPPED = "PruneSkipped"


class HookType(StrEnum):
    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"
    SKIP = "Skip"
    PRE_DELETE = "PreDelete"
    POST_DELETE = "PostDelete"


class SyncPhase(StrEnum):
    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"
    PRE_DELETE = "PreDelete"
    POST_DELETE = "PostDelete"


class ApplicationSourceType(StrEnum):
    HELM = "Helm"
    KUSTOMIZE = "Kustomize"
    DIRECTORY = "Directory"
    PLUGIN = "Plugin"


class Health(ArgoModel):
    status: HealthStatus = HealthStatus.UNKNOWN
    message: str = ""
    last_transition_time: datetime | None = None


class ComparedTo(ArgoModel):
    """The spec a comparison was made against, so a changed spec shows as not yet compared."""

    source: ApplicationSource | None = None
    sources: list[ApplicationSource] = Field(default_factory=list)
    destination: ApplicationDestination | None = None
    ignore_differences: list[ResourceIgnoreDifferences] = Field(default_factory=list)


class SyncInfo(ArgoModel):
    status: SyncStatus = SyncStatus.UNKNOWN
    revision: str = ""
    revisions: list[str] = Field(default_factory=list)
    compared_to: ComparedTo | None = None


class ResourceResult(ArgoModel):
    """What the last sync did to one object."""

    group: str = ""
    version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    status: ResultCode | None = None
    message: str = ""
    hook_type: HookType | None = None
    hook_phase: OperationPhase | None = None
    sync_phase: SyncPhase | None = None
    images: list[str] = Field(default_factory=list)

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.group, self.kind, self.namespace, self.name)


class SyncOperationResult(ArgoModel):
    resources: list[ResourceResult] = Field(default_factory=list)
    revision: str = ""
    revisions: list[str] = Field(default_factory=list)
    source: ApplicationSource | None = None
    sources: list[ApplicationSource] = Field(default_factory=list)
    managed_namespace_metadata: ManagedNamespaceMetadata | None = None


class SyncOperationResource(ArgoModel):
    group: str = ""
    kind: str
    name: str
    namespace: str = ""


class SyncStrategyApply(ArgoModel):
    force: bool = False


class SyncStrategy(ArgoModel):
    apply: SyncStrategyApply | None = None
    hook: SyncStrategyApply | None = None


class SyncOperation(ArgoModel):
    revision: str = ""
    revisions: list[str] = Field(default_factory=list)
    prune: bool = False
    dry_run: bool = False
    sync_options: list[str] = Field(default_factory=list)
    # Empty means every object of the application; otherwise a selective sync.
    resources: list[SyncOperationResource] = Field(default_factory=list)
    source: ApplicationSource | None = None
    sources: list[ApplicationSource] = Field(default_factory=list)
    sync_strategy: SyncStrategy | None = None
    manifests: list[str] = Field(default_factory=list)
    auto_heal_attempts_count: int = 0


class OperationInitiator(ArgoModel):
    username: str = ""
    automated: bool = False


class Operation(ArgoModel):
    sync: SyncOperation | None = None
    initiated_by: OperationInitiator | None = None
    info: list[Info] = Field(default_factory=list)
    retry: RetryStrategy | None = None


class OperationState(ArgoModel):
    operation: Operation
    phase: OperationPhase
    message: str = ""
    sync_result: SyncOperationResult | None = None
    started_at: datetime
    finished_at: datetime | None = None
    retry_count: int = 0


class RevisionHistory(ArgoModel):
    id: int
    revision: str = ""
    revisions: list[str] = Field(default_factory=list)
    deployed_at: datetime
    deploy_started_at: datetime | None = None
    source: ApplicationSource | None = None
    sources: list[ApplicationSource] = Field(default_factory=list)
    initiated_by: OperationInitiator | None = None


class ResourceStatus(ArgoModel):
    """One object the application manages, as last compared."""

    group: str = ""
    version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    status: SyncStatus | None = None
    health: Health | None = None
    hook: bool = False
    requires_pruning: bool = False
    sync_wave: int = 0
    requires_deletion_confirmation: bool = False

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.group, self.kind, self.namespace, self.name)


class ApplicationCondition(ArgoModel):
    # A string rather than ApplicationConditionType: status written by a newer Argo CD may carry
    # types Seaway has not heard of, and must still load.
    type: str
    message: str
    last_transition_time: datetime | None = None

    @property
    def is_error(self) -> bool:
        return self.type.endswith("Error")


class ApplicationSummary(ArgoModel):
    external_urls: list[str] = Field(default_factory=list, alias="externalURLs")
    images: list[str] = Field(default_factory=list)


class ApplicationStatus(ArgoModel):
    resources: list[ResourceStatus] = Field(default_factory=list)
    sync: SyncInfo | None = None
    health: Health | None = None
    history: list[RevisionHistory] = Field(default_factory=list)
    conditions: list[ApplicationCondition] = Field(default_factory=list)
    reconciled_at: datetime | None = None
    observed_at: datetime | None = None
    operation_state: OperationState | None = None
    source_type: ApplicationSourceType | None = None
    source_types: list[ApplicationSourceType] = Field(default_factory=list)
    summary: ApplicationSummary | None = None
    controller_namespace: str = ""
    resource_health_source: str = ""
