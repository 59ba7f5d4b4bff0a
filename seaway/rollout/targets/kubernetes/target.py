"""KubernetesRolloutTarget: Rollouts run as ReplicaSets in a real cluster, traffic moved by
Service selectors and Gateway API HTTPRoutes.

Everything is written with server-side apply or patches as the field manager `seaway-rollout`,
never as `seaway` (the Application's sync): the Application's diff compares only what its own
manager owns and what Git sets, and `seaway.rollout.drift` tells it which of the fields Git also
sets (a Service's hash selector, an HTTPRoute's weights and header rules) are the rollout's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from seaway.cluster.kubernetes import KubeError, KubeRest, UnknownKind
from seaway.model.rollout import DEFAULT_REVISION_HISTORY_LIMIT
from seaway.rollout.engine import pod_template_hash
from seaway.rollout.engine.types import HASH_LABEL, Command, Desired, ReplicaSetState, Traffic
from seaway.rollout.ownership import MANAGED_BY_ANNOTATION, MANAGER
from seaway.rollout.targets.kubernetes import commands, replicasets
from seaway.rollout.targets.kubernetes.httproute import RouteProblem, with_traffic
from seaway.rollout.targets.kubernetes.routing import Routing, routing

log = logging.getLogger("seaway.rollout")

ROLLOUT_API = "argoproj.io/v1alpha1"
HTTP_ROUTE_API = "gateway.networking.k8s.io/v1"
_CONFLICT_RETRIES = 10


class KubernetesRolloutTarget:
    """Rollouts of one cluster; `namespace` limits them to one namespace."""

    def __init__(self, rest: KubeRest, namespace: str | None = None) -> None:
        self.rest = rest
        self.namespace = namespace

    # -- objects -----------------------------------------------------------------------------

    async def rollouts(self) -> list[dict[str, Any]]:
        try:
            return await self.rest.list(ROLLOUT_API, "Rollout", self.namespace)
        except UnknownKind:
            return []  # no Rollout CRD: nothing to run

    async def observe(self, rollout: Mapping[str, Any]) -> dict[str, ReplicaSetState]:
        found: dict[str, ReplicaSetState] = {}
        for rs in await self._sets(rollout):
            state = replicasets.state_of(rs)
            if state is not None:
                found[state.hash] = state
        return found

    async def _sets(self, rollout: Mapping[str, Any]) -> list[dict[str, Any]]:
        meta = rollout["metadata"]
        items = await self.rest.list(
            replicasets.API_VERSION,
            replicasets.KIND,
            meta["namespace"],
            label_selector=replicasets.selector_string(rollout) or None,
        )
        return [rs for rs in items if replicasets.owned_by(rs, rollout)]

    # -- changes -----------------------------------------------------------------------------

    async def apply(self, rollout: Mapping[str, Any], desired: Desired) -> None:
        plan = routing(rollout, desired.traffic)
        await self._route(rollout, plan, desired.traffic)
        live = {
            str(rs["metadata"]["labels"][HASH_LABEL]): rs
            for rs in await self._sets(rollout)
            if replicasets.state_of(rs) is not None
        }
        current = pod_template_hash((rollout.get("spec") or {}).get("template") or {})
        ups = {h: n for h, n in desired.scale.items() if n > _replicas(live.get(h))}
        downs = {h: 0 for h in live if h not in desired.scale}
        downs |= {h: n for h, n in desired.scale.items() if n < _replicas(live.get(h))}
        # Scale-ups before scale-downs: traffic has already moved, and capacity never dips
        # while one version replaces another.
        for template_hash, count in ups.items():
            if template_hash in live:
                await self._scale(live[template_hash], count)
            elif template_hash == current:
                number = 1 + max((replicasets.revision(rs) for rs in live.values()), default=0)
                await self.rest.apply(
                    replicasets.replica_set(rollout, current, count, number), field_manager=MANAGER
                )
            else:
                log.warning(
                    "Rollout %s/%s: no ReplicaSet and no template for hash %s; not started",
                    rollout["metadata"]["namespace"],
                    rollout["metadata"]["name"],
                    template_hash,
                )
        for template_hash, count in downs.items():
            await self._scale(live[template_hash], count)
        await self._prune(rollout, live, desired, current)

    async def _prune(
        self,
        rollout: Mapping[str, Any],
        live: Mapping[str, Mapping[str, Any]],
        desired: Desired,
        current: str,
    ) -> None:
        """Delete scaled-down sets beyond spec.revisionHistoryLimit (default 10), the oldest
        revisions first, as Argo Rollouts does; the ones kept are what a rollback returns to."""
        spec = rollout.get("spec") or {}
        limit = spec.get("revisionHistoryLimit")
        limit = DEFAULT_REVISION_HISTORY_LIMIT if limit is None else int(limit)
        idle = [
            rs
            for template_hash, rs in live.items()
            if template_hash != current and desired.scale.get(template_hash, 0) == 0
        ]
        idle.sort(key=replicasets.revision, reverse=True)
        for rs in idle[limit:]:
            meta = rs["metadata"]
            await self.rest.delete(
                replicasets.API_VERSION,
                replicasets.KIND,
                meta["name"],
                meta["namespace"],
                propagation="Background",
            )

    async def _scale(self, rs: Mapping[str, Any], count: int) -> None:
        # A merge patch of replicas alone: an apply of only them, as the manager that applied
        # the whole set, would drop the template it no longer sends.
        res = await self.rest.resource(replicasets.API_VERSION, replicasets.KIND)
        path = res.path(rs["metadata"]["namespace"], rs["metadata"]["name"])
        await self._merge(path, {"spec": {"replicas": count}}, MANAGER)

    async def _route(self, rollout: Mapping[str, Any], plan: Routing, traffic: Traffic) -> None:
        namespace = rollout["metadata"]["namespace"]
        for service, template_hash in plan.services:
            await self._select(rollout, namespace, service, template_hash)
        for route in plan.http_routes:
            await self._weigh(rollout, namespace, route, plan, traffic)
        if traffic.header_routes and not plan.http_routes:
            log.warning(
                "%s: header routes need the gatewayAPI router; with Service selectors only "
                "the weights (replica ratios) apply",
                _where(rollout),
            )

    async def _select(
        self, rollout: Mapping[str, Any], namespace: str, service: str, template_hash: str
    ) -> None:
        live = await self.rest.get("v1", "Service", service, namespace)
        if live is None:
            raise KubeError(404, "NotFound", f"{_where(rollout)}: Service {service} not found")
        selector = dict((live.get("spec") or {}).get("selector") or {})
        if selector.get(HASH_LABEL) == template_hash:
            return
        # A Service's selector is an atomic map: server-side apply sets it whole, so the
        # selector goes as it is with the hash key added.
        selector[HASH_LABEL] = template_hash
        await self.rest.apply(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": _managed_metadata(rollout, service, namespace),
                "spec": {"selector": selector},
            },
            field_manager=MANAGER,
        )

    async def _weigh(
        self,
        rollout: Mapping[str, Any],
        namespace: str,
        name: str,
        plan: Routing,
        traffic: Traffic,
    ) -> None:
        live = await self.rest.get(HTTP_ROUTE_API, "HTTPRoute", name, namespace)
        if live is None:
            raise KubeError(404, "NotFound", f"{_where(rollout)}: HTTPRoute {name} not found")
        rules = (live.get("spec") or {}).get("rules") or []
        try:
            wanted = with_traffic(
                rules,
                stable=plan.stable_service,
                canary=plan.canary_service,
                weight=traffic.canary_weight if traffic.canary_hash else 0,
                header_routes=traffic.header_routes if traffic.canary_hash else (),
            )
        except RouteProblem as exc:
            raise RouteProblem(f"{_where(rollout)}: HTTPRoute {name}: {exc}") from None
        if wanted == rules:
            return
        # spec.rules is an atomic list: it goes whole, every rule as it was but the weights and
        # Seaway's own header rules.
        await self.rest.apply(
            {
                "apiVersion": HTTP_ROUTE_API,
                "kind": "HTTPRoute",
                "metadata": _managed_metadata(rollout, name, namespace),
                "spec": {"rules": wanted},
            },
            field_manager=MANAGER,
        )

    # -- status ------------------------------------------------------------------------------

    async def write_status(self, rollout: Mapping[str, Any], status: Mapping[str, Any]) -> None:
        body = dict(status)
        # What the scale subresource reads (kubectl scale, HorizontalPodAutoscalers).
        body.setdefault("selector", replicasets.selector_string(rollout))
        body.setdefault("HPAReplicas", int(body.get("replicas") or 0))
        meta = rollout["metadata"]
        res = await self.rest.resource(ROLLOUT_API, "Rollout")
        # Server-side apply of the whole status: a key the engine no longer writes goes away.
        await self.rest.request(
            "PATCH",
            res.path(meta["namespace"], meta["name"]) + "/status",
            body={
                "apiVersion": ROLLOUT_API,
                "kind": "Rollout",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "status": body,
            },
            params={"fieldManager": MANAGER, "force": "true"},
            content_type="application/apply-patch+yaml",
        )

    async def analysis_template(
        self, namespace: str, name: str, *, cluster_scope: bool
    ) -> dict[str, Any] | None:
        kind = "ClusterAnalysisTemplate" if cluster_scope else "AnalysisTemplate"
        try:
            return await self.rest.get(
                ROLLOUT_API, kind, name, None if cluster_scope else namespace
            )
        except UnknownKind:
            return None

    # -- commands ----------------------------------------------------------------------------

    async def give_command(self, namespace: str, name: str, command: Command) -> None:
        for _ in range(_CONFLICT_RETRIES):
            rollout = await self.rest.get(ROLLOUT_API, "Rollout", name, namespace)
            if rollout is None:
                raise KubeError(404, "NotFound", f"Rollout {namespace}/{name} not found")
            value = commands.appended(commands.queued(rollout), command)
            if await self._annotate(rollout, value, commands.CLI_MANAGER):
                return
        raise KubeError(409, "Conflict", f"Rollout {namespace}/{name} kept changing; try again")

    async def take_commands(self, rollout: Mapping[str, Any]) -> list[Command]:
        meta = rollout["metadata"]
        for _ in range(_CONFLICT_RETRIES):
            # The object the driver holds may be older than the latest command.
            fresh = await self.rest.get(ROLLOUT_API, "Rollout", meta["name"], meta["namespace"])
            if fresh is None:
                return []
            entries = commands.queued(fresh)
            raw = (fresh["metadata"].get("annotations") or {}).get(commands.ANNOTATION)
            if raw is None:
                return []
            if await self._annotate(fresh, None, MANAGER):
                return commands.commands_of(entries)
        raise KubeError(409, "Conflict", f"{_where(rollout)} kept changing; commands not taken")

    async def _annotate(self, rollout: Mapping[str, Any], value: str | None, manager: str) -> bool:
        """Set (or with None remove) the commands annotation if the Rollout is unchanged since
        it was read; False when someone wrote it in between."""
        meta = rollout["metadata"]
        res = await self.rest.resource(ROLLOUT_API, "Rollout")
        body = {
            "metadata": {
                "resourceVersion": meta["resourceVersion"],
                "annotations": {commands.ANNOTATION: value},
            }
        }
        try:
            await self._merge(res.path(meta["namespace"], meta["name"]), body, manager)
        except KubeError as exc:
            if exc.status == 409:
                await asyncio.sleep(0.05)
                return False
            raise
        return True

    async def _merge(self, path: str, body: Mapping[str, Any], manager: str) -> None:
        await self.rest.request(
            "PATCH",
            path,
            body=body,
            params={"fieldManager": manager},
            content_type="application/merge-patch+json",
        )


def _replicas(rs: Mapping[str, Any] | None) -> int:
    return int(((rs or {}).get("spec") or {}).get("replicas") or 0)


def _where(rollout: Mapping[str, Any]) -> str:
    meta = rollout.get("metadata") or {}
    return f"Rollout {meta.get('namespace', '')}/{meta.get('name', '')}"


def _managed_metadata(rollout: Mapping[str, Any], name: str, namespace: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "annotations": {MANAGED_BY_ANNOTATION: str(rollout["metadata"]["name"])},
    }
