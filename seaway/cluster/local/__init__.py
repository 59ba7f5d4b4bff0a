"""The `local` backend's runtime: supervised processes for replicas and an HTTP router for
Services, on this host.

- `spec`: `ReplicaSpec` from a Kubernetes container spec.
- `replica`, `probes`, `process`, `logs`, `supervisor`: run, probe, restart, re-adopt, stop.
- `routing` (pure), `router`, `metrics`: weighted and header/cookie routing to backend groups.
"""

from seaway.cluster.local.metrics import (
    EndpointSnapshot,
    GroupSnapshot,
    LatencySnapshot,
    ListenerSnapshot,
)
from seaway.cluster.local.probes import ProbeKind, ProbeResult, ProbeSpec
from seaway.cluster.local.process import ProcessIdentity, find_running, identify
from seaway.cluster.local.replica import Backoff, Replica, ReplicaState, ReplicaStatus
from seaway.cluster.local.router import Listener, Router, Timeouts
from seaway.cluster.local.routing import (
    BackendGroup,
    CookieMatch,
    Endpoint,
    HeaderMatch,
    MatchKind,
    RoutingTable,
    Rule,
    Selector,
)
from seaway.cluster.local.spec import (
    ContainerConfigError,
    Lookup,
    PortMapping,
    ReplicaSpec,
    SourceKind,
    replica_spec_from_container,
)
from seaway.cluster.local.supervisor import Supervisor

__all__ = [
    "BackendGroup",
    "Backoff",
    "ContainerConfigError",
    "CookieMatch",
    "Endpoint",
    "EndpointSnapshot",
    "GroupSnapshot",
    "HeaderMatch",
    "LatencySnapshot",
    "Listener",
    "ListenerSnapshot",
    "Lookup",
    "MatchKind",
    "PortMapping",
    "ProbeKind",
    "ProbeResult",
    "ProbeSpec",
    "ProcessIdentity",
    "Replica",
    "ReplicaSpec",
    "ReplicaState",
    "ReplicaStatus",
    "Router",
    "RoutingTable",
    "Rule",
    "Selector",
    "SourceKind",
    "Supervisor",
    "Timeouts",
    "find_running",
    "identify",
    "replica_spec_from_container",
]
