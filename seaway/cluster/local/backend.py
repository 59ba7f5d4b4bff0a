"""The `local` backend: the engine's manifests run on this host.

Objects are kept in SQLite as an API server would keep them. A runtime loop makes each Deployment's
replicas run as supervised processes (rolling updates as Kubernetes does them) and each Service a
listener of the built-in router balancing across Ready replicas, and writes the status Kubernetes
would write, so health, diff and sync treat local objects exactly as cluster ones.
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
        self._listeners: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        for obj in self.state.objects():
            self._objects[ResourceKey.from_object(obj)] = obj
        await self._adopt()
        self._task = asyncio.create_task(self._loop())

    async def close(self, stop_replicas: bool = True) -> None:
        """Stop the runtime; with stop_replicas=False the processes outlive this Seaway and the
        next one adopts them."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
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
            deployment = self._objects.get(
                ResourceKey("apps", "Deployment", record.namespace, record.owner)
            )
            if deployment is None or not find_running(identity):
                self.state.drop_replica(record.namespace, record.name)
                continue
            pod = self._pods.setdefault(
                (record.namespace, pod_name), _PodRun(pod_name, record.owner, record.template_hash)
            )
            containers = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
            for spec_container in containers.get("containers") or []:
                if spec_container.get("name") != container:
                    continue
                replica = await self._start_container(
                    record.namespace,
                    pod_name,
                    deployment,
                    spec_container,
                    record.host_ports,
                    adopt=identity,
                )
                if replica is not None:
                    pod.replicas.append(replica)

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
        while True:
            try:
                await self.reconcile_runtime()
            except Exception:
                log.exception("local runtime pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick)
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
        orphans = [
            (ns, pod_name)
            for (ns, pod_name), pod in self._pods.items()
            if (ns, pod.owner) not in deployments
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
        pod_name: str,
        deployment: Mapping[str, Any],
        container: Mapping[str, Any],
        host_ports: Mapping[int, int],
        *,
        adopt: ProcessIdentity | None = None,
    ) -> Replica | None:
        pod_spec = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
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
                owner=str((deployment.get("metadata") or {}).get("name")),
                template_hash=template_hash((deployment.get("spec") or {}).get("template") or {}),
                pid=identity.pid if identity else None,
                start_ticks=identity.start_ticks if identity else None,
                cmdline=identity.cmdline if identity else (),
                host_ports={m.container_port: m.host_port for m in spec.ports},
            )
        )
        replica.add_listener(lambda _status: self._wake.set())
        return replica

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
            for container in (template.get("spec") or {}).get("containers") or []:
                try:
                    replica = await self._start_container(ns, pod_name, obj, container, {})
                except (ContainerConfigError, OSError, ValueError) as exc:
                    pod.error = str(exc)
                    errors.append(pod.error)
                    break
                if replica is not None:
                    pod.replicas.append(replica)
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
        seen = set()
        for key, svc in list(self._objects.items()):
            if (key.group, key.kind) != ("", "Service"):
                continue
            spec = svc.get("spec") or {}
            selector = spec.get("selector") or {}
            ingress_ports = []
            for port in spec.get("ports") or []:
                listener = f"{key.namespace}/{key.name}:{port.get('port')}"
                seen.add(listener)
                table = RoutingTable(
                    (BackendGroup("stable", self._endpoints(key.namespace, selector, port), 100),)
                )
                bound = await self._listen(listener, table, int(port.get("port", 0)))
                ingress_ports.append({"port": bound, "protocol": port.get("protocol", "TCP")})
            status = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ports": ingress_ports}]}}
            self._set_status(key, status)
        for listener in [name for name in self._listeners if name not in seen]:
            await self.router.remove(listener)
            del self._listeners[listener]

    async def _listen(self, name: str, table: RoutingTable, wanted: int) -> int:
        if name in self._listeners:
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
            owner = self._objects.get(ResourceKey("apps", "Deployment", ns, pod.owner))
            labels = (((owner or {}).get("spec") or {}).get("template") or {}).get(
                "metadata", {}
            ).get("labels") or {}
            if any(labels.get(k) != v for k, v in selector.items()):
                continue
            for replica in pod.replicas:
                with contextlib.suppress(KeyError):
                    endpoints.append(Endpoint("127.0.0.1", replica.spec.host_port(target)))
        return tuple(endpoints)

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


def _without_times(status: Mapping[str, Any]) -> Any:
    conditions = [
        {k: v for k, v in c.items() if k != "lastTransitionTime"}
        for c in status.get("conditions") or []
    ]
    return {**status, "conditions": conditions}
