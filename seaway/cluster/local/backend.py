"""The `local` backend: the engine's manifests run on this host.

Objects are kept in SQLite as an API server would keep them. A runtime loop makes each Deployment's
replicas run as supervised processes (rolling updates as Kubernetes does them) and each Service a
listener of the built-in router balancing across Ready replicas, and writes the status Kubernetes
would write, so health, diff and sync treat local objects exactly as cluster ones.

Rollouts are run from outside: the rollout driver sets how many replicas each pod-template hash
gets (`scale_set`) and where each Service sends traffic (`set_overlay`); the runtime keeps both in
SQLite, beside the objects and never in them, and runs them like a Deployment's replicas.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.cluster.local.objects import CLUSTER_SCOPED, merge_apply
from seaway.cluster.local.process import ProcessIdentity, find_running
from seaway.cluster.local.replica import Backoff, Replica
from seaway.cluster.local.replicasets import (
    ReplicaSet,
    ServiceOverlay,
    SetCounts,
    selects,
)
from seaway.cluster.local.rolling import Pod, deployment_status, plan_step, template_hash
from seaway.cluster.local.router import Router
from seaway.cluster.local.routing import BackendGroup, Endpoint, RoutingTable
from seaway.cluster.local.spec import (
    ContainerConfigError,
    SourceKind,
    replica_spec_from_container,
)
from seaway.cluster.local.state import LocalState, ReplicaRecord
from seaway.cluster.local.supervisor import Supervisor
from seaway.model.keys import ResourceKey
from seaway.model.tracking import APP_LABEL, is_tracked_by, label_value

log = logging.getLogger("seaway.cluster.local")

DEPLOYMENT = "Deployment"
ROLLOUT = "Rollout"
ROLLOUT_GROUP = "argoproj.io"

OnChange = Callable[[dict[str, Any]], None]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _PodRun:
    """One replica of a Deployment: a process per container."""

    name: str
    owner: str
    template_hash: str
    replicas: list[Replica] = field(default_factory=list)
    error: str = ""
    # Taken out of the Services' endpoints before it is stopped, as Kubernetes does, so no
    # request is sent to a replica that is shutting down.
    terminating: bool = False
    owner_kind: str = DEPLOYMENT
    # A Rollout's pods carry their set's labels (a Deployment's are read from the Deployment).
    labels: Mapping[str, str] = field(default_factory=dict)
    # Since when it has been Ready without a break (monotonic), for minReadySeconds.
    ready_since: float | None = None

    @property
    def ready(self) -> bool:
        return (
            not self.terminating
            and bool(self.replicas)
            and all(r.status.ready for r in self.replicas)
        )


@dataclass
class _Rollout:
    hash: str
    since: float


class LocalBackend:
    name = "local"

    def __init__(
        self,
        data_dir: Path,
        *,
        on_change: OnChange | None = None,
        tick: float = 0.2,
        backoff: Backoff | None = None,
        router: Router | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.on_change = on_change
        self.tick = tick
        self.state = LocalState(data_dir / "local.db")
        self.supervisor = Supervisor(data_dir, backoff=backoff)
        self.router = router or Router()
        self._objects: dict[ResourceKey, dict[str, Any]] = {}
        self._pods: dict[tuple[str, str], _PodRun] = {}
        self._rollouts: dict[tuple[str, str], _Rollout] = {}
        self._sets: dict[tuple[str, str, str], ReplicaSet] = {}
        self._overlays: dict[tuple[str, str], ServiceOverlay] = {}
        self._routing = asyncio.Lock()
        self._listeners: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._started = False
        # Set by close(): the runtime loop ends after its pass even if the cancellation that
        # interrupts it is lost somewhere in the pass.
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for obj in self.state.objects():
            self._objects[ResourceKey.from_object(obj)] = obj
        for namespace, owner, hash_, body in self.state.replica_sets():
            self._sets[(namespace, owner, hash_)] = ReplicaSet.from_dict(
                namespace, owner, hash_, body
            )
        for namespace, name, body in self.state.overlays():
            self._overlays[(namespace, name)] = ServiceOverlay.from_dict(body)
        await self._adopt()
        self._closing = False
        self._task = asyncio.create_task(self._loop())

    async def close(self, stop_replicas: bool = True) -> None:
        """Stop the runtime; with stop_replicas=False the processes outlive this Seaway and the
        next one adopts them."""
        task, self._task = self._task, None
        if task is not None:
            self._closing = True
            task.cancel()
            # Not `await task` in suppress(CancelledError): that would also swallow a
            # cancellation of close() itself.
            await asyncio.wait({task})
        if stop_replicas:
            await self.supervisor.stop_all()
            for (namespace, pod_name), pod in self._pods.items():
                for replica in pod.replicas:
                    self.state.drop_replica(namespace, f"{pod_name}/{replica.spec.container}")
            self._pods.clear()
        await self.router.close()
        self.state.close()
        self._started = False

    async def _adopt(self) -> None:
        """Find the replicas an earlier Seaway started: running ones are adopted, gone ones are
        forgotten (the runtime loop starts new ones)."""
        for record in self.state.replicas():
            pod_name, _, container = record.name.partition("/")
            if record.pid is None or record.start_ticks is None:
                self.state.drop_replica(record.namespace, record.name)
                continue
            identity = ProcessIdentity(record.pid, record.start_ticks, record.cmdline)
            template, labels = self._owner_template(record)
            if template is None or not find_running(identity):
                self.state.drop_replica(record.namespace, record.name)
                continue
            pod = self._pods.setdefault(
                (record.namespace, pod_name),
                _PodRun(
                    pod_name,
                    record.owner,
                    record.template_hash,
                    owner_kind=record.owner_kind,
                    labels=labels,
                ),
            )
            containers = (template.get("spec") or {}).get("containers") or []
            for spec_container in containers:
                if spec_container.get("name") != container:
                    continue
                replica = await self._start_container(
                    record.namespace,
                    pod,
                    template,
                    spec_container,
                    record.host_ports,
                    adopt=identity,
                )
                if replica is not None:
                    pod.replicas.append(replica)

    def _owner_template(
        self, record: ReplicaRecord
    ) -> tuple[Mapping[str, Any] | None, dict[str, str]]:
        """The pod template an adopted replica was started from, and its pod's labels."""
        if record.owner_kind == ROLLOUT:
            owned = self._sets.get((record.namespace, record.owner, record.template_hash))
            rollout = self._objects.get(
                ResourceKey(ROLLOUT_GROUP, ROLLOUT, record.namespace, record.owner)
            )
            if owned is None or rollout is None:
                return None, {}
            return owned.template, owned.labels
        deployment = self._objects.get(
            ResourceKey("apps", DEPLOYMENT, record.namespace, record.owner)
        )
        if deployment is None:
            return None, {}
        return (deployment.get("spec") or {}).get("template") or {}, {}

    # -- ClusterBackend ----------------------------------------------------------------------

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> dict[str, Any] | None:
        key = ResourceKey(api_version.rpartition("/")[0], kind, namespace or "", name)
        return self._objects.get(key)

    async def list_app(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        wanted = {(api.rpartition("/")[0], kind) for api, kind in kinds}
        label = label_value(app)
        return [
            obj
            for key, obj in self._objects.items()
            if (key.group, key.kind) in wanted
            and ((obj.get("metadata") or {}).get("labels") or {}).get(APP_LABEL) == label
            and is_tracked_by(app, obj)
        ]

    async def apply(self, obj: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        key = ResourceKey.from_object(obj)
        namespaced = await self.is_namespaced(str(obj.get("apiVersion", "")), key.kind)
        if namespaced and not key.namespace:
            raise ValueError(f"{key.kind} {key.name} is namespaced: no namespace")
        current = self._objects.get(key)
        version = 0 if dry_run else self.state.next_version()
        stored = merge_apply(obj, current, version)
        if dry_run:
            if current is not None:
                stored["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            return stored
        self._save(key, stored)
        self._wake.set()
        return copy.deepcopy(stored)

    async def delete(self, api_version: str, kind: str, name: str, namespace: str | None) -> bool:
        key = ResourceKey(api_version.rpartition("/")[0], kind, namespace or "", name)
        obj = self._objects.pop(key, None)
        if obj is None:
            return False
        self.state.remove(key.group, key.kind, key.namespace, key.name)
        if kind == "Namespace":
            for other in [k for k in self._objects if k.namespace == name]:
                self._objects.pop(other, None)
                self.state.remove(other.group, other.kind, other.namespace, other.name)
        self._wake.set()
        self._notify(obj)
        return True

    async def is_namespaced(self, api_version: str, kind: str) -> bool:
        return kind not in CLUSTER_SCOPED

    # -- runtime -----------------------------------------------------------------------------

    def _save(self, key: ResourceKey, obj: dict[str, Any]) -> None:
        self._objects[key] = obj
        self.state.put(key.group, key.kind, key.namespace, key.name, obj)

    def _notify(self, obj: dict[str, Any]) -> None:
        if self.on_change is not None:
            self.on_change(obj)

    async def _loop(self) -> None:
        while not self._closing:
            try:
                await self.reconcile_runtime()
            except Exception:
                log.exception("local runtime pass failed")
            # Not asyncio.wait_for: on Python 3.11 it returns normally when the event is set in
            # the same loop iteration as the task is cancelled, and that lost cancellation kept
            # this loop (and close(), awaiting it) running for ever. A replica's status change
            # sets the event, and each probe is one, so with many replicas that was likely.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tick):
                    await self._wake.wait()
            self._wake.clear()

    async def reconcile_runtime(self) -> None:
        deployments = {
            (k.namespace, k.name): obj
            for k, obj in self._objects.items()
            if (k.group, k.kind) == ("apps", "Deployment")
        }
        statuses = []
        for (ns, name), obj in deployments.items():
            statuses.append(await self._run_deployment(ns, name, obj))
        await self._run_replica_sets()
        orphans = [
            (ns, pod_name)
            for (ns, pod_name), pod in self._pods.items()
            if (
                (ns, pod.owner, pod.template_hash) not in self._sets
                if pod.owner_kind == ROLLOUT
                else (ns, pod.owner) not in deployments
            )
        ]
        if orphans:
            for key in orphans:
                self._pods[key].terminating = True
            await self._route_services()
        for ns, pod_name in orphans:
            await self._stop_pod(ns, pod_name)
        # Traffic first, status after: a Deployment reads Ready only once the router sends
        # requests to its Ready replicas.
        await self._route_services()
        for deployment_key, status in statuses:
            self._set_status(deployment_key, status)

    def _lookup(self, namespace: str) -> Callable[[SourceKind, str], Mapping[str, str] | None]:
        def lookup(kind: SourceKind, name: str) -> Mapping[str, str] | None:
            obj = self._objects.get(ResourceKey("", kind.value, namespace, name))
            if obj is None:
                return None
            data = dict(obj.get("data") or {})
            if kind is SourceKind.SECRET:
                decoded = {k: base64.b64decode(v).decode() for k, v in data.items()}
                decoded.update(obj.get("stringData") or {})
                return decoded
            return {k: str(v) for k, v in data.items()}

        return lookup

    async def _start_container(
        self,
        namespace: str,
        pod: _PodRun,
        template: Mapping[str, Any],
        container: Mapping[str, Any],
        host_ports: Mapping[int, int],
        *,
        adopt: ProcessIdentity | None = None,
    ) -> Replica | None:
        pod_name = pod.name
        pod_spec = template.get("spec") or {}
        spec = replica_spec_from_container(
            container,
            pod_name=pod_name,
            namespace=namespace,
            lookup=self._lookup(namespace),
            termination_grace_period_seconds=float(
                pod_spec.get("terminationGracePeriodSeconds", 30)
            ),
            host_ports=host_ports,
        )
        if len(pod_spec.get("containers") or []) > 1:
            # One process per container; the supervisor knows each by its own name.
            spec = dataclasses.replace(spec, name=f"{pod_name}-{spec.container}")
        replica = await self.supervisor.start(spec, adopt)
        identity = replica.status.identity
        self.state.save_replica(
            ReplicaRecord(
                namespace=namespace,
                name=f"{pod_name}/{spec.container}",
                owner=pod.owner,
                template_hash=pod.template_hash,
                pid=identity.pid if identity else None,
                start_ticks=identity.start_ticks if identity else None,
                cmdline=identity.cmdline if identity else (),
                host_ports={m.container_port: m.host_port for m in spec.ports},
                owner_kind=pod.owner_kind,
            )
        )
        replica.add_listener(lambda _status: self._wake.set())
        return replica

    async def _start_pod(self, ns: str, pod: _PodRun, template: Mapping[str, Any]) -> str:
        """Start a pod's containers; the error that stopped one, or ""."""
        for container in (template.get("spec") or {}).get("containers") or []:
            try:
                replica = await self._start_container(ns, pod, template, container, {})
            except (ContainerConfigError, OSError, ValueError) as exc:
                pod.error = str(exc)
                return pod.error
            if replica is not None:
                pod.replicas.append(replica)
        return ""

    async def _run_replica_sets(self) -> None:
        """Each Rollout's replica sets to the counts the rollout driver set."""
        for key, owned in list(self._sets.items()):
            ns, owner, hash_ = key
            if ResourceKey(ROLLOUT_GROUP, ROLLOUT, ns, owner) not in self._objects:
                # The Rollout is gone: its pods become orphans and stop, and its Services route
                # as written again.
                del self._sets[key]
                self.state.drop_replica_set(ns, owner, hash_)
                for service in [k for k, o in self._overlays.items() if o.owner == owner]:
                    if service[0] == ns:
                        del self._overlays[service]
                        self.state.put_overlay(ns, service[1], None)
                continue
            pods = self._set_pods(owned)
            extra = len(pods) - owned.replicas
            if extra > 0:
                # Not Ready ones first, then the newest, as a ReplicaSet scales down.
                doomed = sorted(pods, key=lambda p: (p.ready, -_index(p.name)))[:extra]
                for pod in doomed:
                    pod.terminating = True
                await self._route_services()
                for pod in doomed:
                    await self._stop_pod(ns, pod.name)
            taken = {name for (pns, name) in self._pods if pns == ns}
            index = 0
            for _ in range(-extra):
                while f"{owner}-{hash_}-{index}" in taken:
                    index += 1
                pod = _PodRun(
                    f"{owner}-{hash_}-{index}",
                    owner,
                    hash_,
                    owner_kind=ROLLOUT,
                    labels=owned.labels,
                )
                taken.add(pod.name)
                self._pods[(ns, pod.name)] = pod
                error = await self._start_pod(ns, pod, owned.template)
                if error:
                    log.warning(
                        "rollout %s/%s: pod %s cannot start: %s", ns, owner, pod.name, error
                    )

    def _set_pods(self, owned: ReplicaSet) -> list[_PodRun]:
        return [
            pod
            for (ns, _), pod in self._pods.items()
            if ns == owned.namespace
            and pod.owner_kind == ROLLOUT
            and pod.owner == owned.owner
            and pod.template_hash == owned.hash
            and not pod.terminating
        ]

    def _ready_for(self, pod: _PodRun, now: float) -> float | None:
        """How long the pod has been Ready without a break; None when it is not Ready."""
        if not pod.ready:
            pod.ready_since = None
            return None
        if pod.ready_since is None:
            pod.ready_since = now
        return now - pod.ready_since

    async def _run_deployment(
        self, ns: str, name: str, obj: dict[str, Any]
    ) -> tuple[ResourceKey, dict[str, Any]]:
        spec = obj.get("spec") or {}
        template = spec.get("template") or {}
        new_hash = template_hash(template)
        pods = [p for (pns, _), p in self._pods.items() if pns == ns and p.owner == name]
        rollout = self._rollouts.get((ns, name))
        if rollout is None or rollout.hash != new_hash:
            rollout = self._rollouts[(ns, name)] = _Rollout(new_hash, time.monotonic())
        errors = [p.error for p in pods if p.error]
        step = plan_step(spec, new_hash, [Pod(p.name, p.template_hash, p.ready) for p in pods])
        if step.stop:
            for pod_name in step.stop:
                self._pods[(ns, pod_name)].terminating = True
            await self._route_services()
        for pod_name in step.stop:
            await self._stop_pod(ns, pod_name)
        taken = {p.name for p in self._pods.values()}
        for _ in range(step.start):
            index = 0
            while f"{name}-{new_hash[:6]}-{index}" in taken:
                index += 1
            pod_name = f"{name}-{new_hash[:6]}-{index}"
            taken.add(pod_name)
            pod = self._pods[(ns, pod_name)] = _PodRun(pod_name, name, new_hash)
            error = await self._start_pod(ns, pod, template)
            if error:
                errors.append(error)
        pods = [p for (pns, _), p in self._pods.items() if pns == ns and p.owner == name]
        status = deployment_status(
            obj,
            [Pod(p.name, p.template_hash, p.ready) for p in pods],
            new_hash=new_hash,
            progressing_for=time.monotonic() - rollout.since,
            previous=obj.get("status"),
            now=_now(),
        )
        if errors:
            # A replica that cannot start says why, as a ReplicaFailure condition would.
            status["conditions"].append(
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": "FailedCreate",
                    "message": errors[0],
                    "lastTransitionTime": _now(),
                }
            )
            status["conditions"] = [
                c
                if c["type"] != "Progressing"
                else {
                    **c,
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": errors[0],
                }
                for c in status["conditions"]
            ]
            # Keep the broken pods out of the loop of starts: they are retried on a new template.
            for pod in pods:
                if pod.error:
                    self._pods.pop((ns, pod.name), None)
        return ResourceKey("apps", "Deployment", ns, name), status

    def _set_status(self, key: ResourceKey, status: dict[str, Any]) -> None:
        obj = self._objects.get(key)
        if obj is None:
            return
        if _without_times(obj.get("status") or {}) == _without_times(status):
            return
        updated = {**obj, "status": status}
        updated["metadata"] = {
            **obj["metadata"],
            "resourceVersion": str(self.state.next_version()),
        }
        self._save(key, updated)
        self._notify(updated)

    async def _stop_pod(self, ns: str, pod_name: str) -> None:
        pod = self._pods.pop((ns, pod_name), None)
        if pod is None:
            return
        for replica in pod.replicas:
            await self.supervisor.stop(ns, replica.spec.name)
            self.state.drop_replica(ns, f"{pod_name}/{replica.spec.container}")

    async def _route_services(self) -> None:
        # The runtime loop and the rollout driver both route; one at a time, or a listener
        # would be opened twice.
        async with self._routing:
            await self._route_services_now()

    async def _route_services_now(self) -> None:
        seen = set()
        for key, svc in list(self._objects.items()):
            if (key.group, key.kind) != ("", "Service"):
                continue
            spec = svc.get("spec") or {}
            ingress_ports = []
            for port in spec.get("ports") or []:
                listener = f"{key.namespace}/{key.name}:{port.get('port')}"
                seen.add(listener)
                table = self._table(key, spec, port)
                bound = await self._listen(listener, table, int(port.get("port", 0)))
                ingress_ports.append({"port": bound, "protocol": port.get("protocol", "TCP")})
            status = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ports": ingress_ports}]}}
            self._set_status(key, status)
        for listener in [name for name in self._listeners if name not in seen]:
            await self.router.remove(listener)
            del self._listeners[listener]

    async def _listen(self, name: str, table: RoutingTable, wanted: int) -> int:
        if name in self._listeners:
            # Only a real change: a new table restarts the weighted round-robin's cycle, and
            # the split is exact over whole cycles.
            if self.router.get(name).table != table:
                self.router.set_table(name, table)
            return self._listeners[name]
        try:
            listener = await self.router.listen(name, table, port=wanted)
        except OSError:
            # The Service's own port is taken (or needs privileges): a free one does the job,
            # and the Service's status says which.
            listener = await self.router.listen(name, table, port=0)
        self._listeners[name] = listener.port
        return listener.port

    def _table(
        self, key: ResourceKey, spec: Mapping[str, Any], port: Mapping[str, Any]
    ) -> RoutingTable:
        """The Service's routing: all selected pods in one group, unless a rollout's overlay
        narrows the selector or splits the traffic into weighted groups."""
        selector = dict(spec.get("selector") or {})
        overlay = self._overlays.get((key.namespace, key.name))
        if overlay is None:
            return RoutingTable(
                (BackendGroup("stable", self._endpoints(key.namespace, selector, port), 100),)
            )
        if selector:
            selector.update(overlay.selector)
        if not overlay.groups:
            return RoutingTable(
                (BackendGroup("stable", self._endpoints(key.namespace, selector, port), 100),)
            )
        groups = tuple(
            BackendGroup(
                group.name,
                self._endpoints(key.namespace, {**selector, **group.selector}, port),
                group.weight,
            )
            for group in overlay.groups
        )
        return RoutingTable(groups, overlay.rules)

    def _pod_labels(self, namespace: str, pod: _PodRun) -> Mapping[str, str]:
        if pod.owner_kind == ROLLOUT:
            return pod.labels
        owner = self._objects.get(ResourceKey("apps", DEPLOYMENT, namespace, pod.owner))
        template = ((owner or {}).get("spec") or {}).get("template") or {}
        labels: Mapping[str, str] = (template.get("metadata") or {}).get("labels") or {}
        return labels

    def _endpoints(
        self, namespace: str, selector: Mapping[str, str], port: Mapping[str, Any]
    ) -> tuple[Endpoint, ...]:
        if not selector:
            return ()
        target = port.get("targetPort", port.get("port"))
        endpoints = []
        for (ns, _), pod in sorted(self._pods.items()):
            if ns != namespace or not pod.ready:
                continue
            if not selects(selector, self._pod_labels(ns, pod)):
                continue
            for replica in pod.replicas:
                with contextlib.suppress(KeyError):
                    endpoints.append(Endpoint("127.0.0.1", replica.spec.host_port(target)))
        return tuple(endpoints)

    # -- for the rollout driver ----------------------------------------------------------------

    def replica_set(self, namespace: str, owner: str, hash_: str) -> ReplicaSet | None:
        return self._sets.get((namespace, owner, hash_))

    def replica_sets(self, namespace: str, owner: str) -> list[ReplicaSet]:
        return [s for (ns, o, _), s in self._sets.items() if (ns, o) == (namespace, owner)]

    def scale_set(self, owned: ReplicaSet) -> None:
        """Run `owned.replicas` pods of the set (the runtime starts or stops them)."""
        key = (owned.namespace, owned.owner, owned.hash)
        if self._sets.get(key) == owned:
            return
        self._sets[key] = owned
        self.state.put_replica_set(owned.namespace, owned.owner, owned.hash, owned.to_dict())
        self._wake.set()

    def set_counts(self, namespace: str, owner: str) -> dict[str, SetCounts]:
        """The Rollout's replica sets as they run now, by hash."""
        now = time.monotonic()
        counts = {}
        for owned in self.replica_sets(namespace, owner):
            pods = self._set_pods(owned)
            ready_for = [self._ready_for(p, now) for p in pods]
            counts[owned.hash] = SetCounts(
                replicas=len(pods),
                ready=sum(1 for r in ready_for if r is not None),
                available=sum(
                    1 for r in ready_for if r is not None and r >= owned.min_ready_seconds
                ),
            )
        return counts

    def overlay(self, namespace: str, service: str) -> ServiceOverlay | None:
        return self._overlays.get((namespace, service))

    async def set_overlay(
        self, namespace: str, service: str, overlay: ServiceOverlay | None
    ) -> None:
        """Route the Service by `overlay` (None: as written) from now on; returns once its
        listener routes by it."""
        key = (namespace, service)
        if self._overlays.get(key) == overlay:
            return
        if overlay is None:
            self._overlays.pop(key, None)
        else:
            self._overlays[key] = overlay
        self.state.put_overlay(namespace, service, None if overlay is None else overlay.to_dict())
        await self._route_services()

    def write_status(self, obj: Mapping[str, Any], status: dict[str, Any]) -> None:
        """Store an object's status, as a controller's status update does: the spec, generation
        and everything the diff compares stay as they are."""
        self._set_status(ResourceKey.from_object(obj), status)

    def objects_of(self, group: str, kind: str) -> list[dict[str, Any]]:
        return [obj for key, obj in self._objects.items() if (key.group, key.kind) == (group, kind)]

    # -- for people and the demo ---------------------------------------------------------------

    def log_files(self, namespace: str, deployment: str) -> list[Path]:
        return sorted(
            replica.log_path
            for (ns, _), pod in self._pods.items()
            if ns == namespace and pod.owner == deployment
            for replica in pod.replicas
        )

    def service_port(self, namespace: str, name: str, port: int) -> int | None:
        return self._listeners.get(f"{namespace}/{name}:{port}")


def _index(pod_name: str) -> int:
    tail = pod_name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0


def _without_times(status: Mapping[str, Any]) -> Any:
    # A condition's times alone do not make a new status (Rollouts' lastUpdateTime would
    # otherwise rewrite the object, and wake the Application's controller, on every pass).
    conditions = [
        {k: v for k, v in c.items() if k not in ("lastTransitionTime", "lastUpdateTime")}
        for c in status.get("conditions") or []
    ]
    return {**status, "conditions": conditions}
