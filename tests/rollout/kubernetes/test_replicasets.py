"""Replica sets per pod-template hash on the real API server: created from the Rollout's
template, owned by it, scaled by the target, Ready through KWOK's fake nodes, and an old
stable's template kept after the Rollout changed."""

from __future__ import annotations

import pytest

from seaway.rollout.engine import pod_template_hash
from seaway.rollout.engine.types import HASH_LABEL, Desired, ReplicaSetState, Traffic
from seaway.rollout.ownership import MANAGER
from tests.rollout.kubernetes.conftest import ROLLOUT_API, Cluster, rollout, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.anyio]

CANARY = {"canary": {"steps": [{"setWeight": 50}]}}


async def _ready(cluster: Cluster, want: dict[str, ReplicaSetState]) -> None:
    async def check() -> bool:
        return await cluster.target.observe(await cluster.rollout()) == want

    await wait_for(check, f"replica sets {want}")


async def test_sets_per_hash_created_scaled_owned_and_ready(cluster: Cluster) -> None:
    first = await cluster.create(rollout(CANARY))
    v1 = pod_template_hash(first["spec"]["template"])
    await cluster.target.apply(first, Desired({v1: 2}, Traffic(stable_hash=v1)))

    rs = await cluster.get("apps/v1", "ReplicaSet", f"web-{v1}")
    assert rs["metadata"]["labels"] == {"app": "web", HASH_LABEL: v1}
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", HASH_LABEL: v1}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", HASH_LABEL: v1}
    (owner,) = rs["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "Rollout",
        "web",
        first["metadata"]["uid"],
    )
    assert owner["controller"] is True
    assert {m["manager"] for m in rs["metadata"]["managedFields"]} >= {MANAGER}
    await _ready(cluster, {v1: ReplicaSetState(v1, 2, 2)})
    pods = await cluster.rest.list("v1", "Pod", cluster.namespace, f"{HASH_LABEL}={v1}")
    assert len(pods) == 2

    # A new template: its set is started next to the old one, which keeps its own template.
    second = await cluster.create(rollout(CANARY, image="example/web:2.0"))
    v2 = pod_template_hash(second["spec"]["template"])
    assert v2 != v1
    await cluster.target.apply(second, Desired({v1: 2, v2: 1}, Traffic(v1, v2, 50)))
    await _ready(cluster, {v1: ReplicaSetState(v1, 2, 2), v2: ReplicaSetState(v2, 1, 1)})
    old = await cluster.get("apps/v1", "ReplicaSet", f"web-{v1}")
    assert old["spec"]["template"]["spec"]["containers"][0]["image"] == "example/web:1.0"

    # A hash left out of `scale` goes to zero; the set stays (history), with no pods.
    await cluster.target.apply(second, Desired({v2: 2}, Traffic(stable_hash=v2)))
    await _ready(cluster, {v1: ReplicaSetState(v1, 0, 0), v2: ReplicaSetState(v2, 2, 2)})
    old = await cluster.get("apps/v1", "ReplicaSet", f"web-{v1}")
    assert old["spec"]["replicas"] == 0

    # The Application's sync owns the Rollout, the rollout owns its sets: deleting the Rollout
    # deletes them (Kubernetes' garbage collector, through the owner references).
    await cluster.rest.delete(ROLLOUT_API, "Rollout", "web", cluster.namespace)

    async def gone() -> bool:
        left = await cluster.rest.list("apps/v1", "ReplicaSet", cluster.namespace)
        return not left

    await wait_for(gone, "replica sets deleted with their Rollout")


async def test_a_hash_with_no_set_and_no_template_is_not_started(cluster: Cluster) -> None:
    live = await cluster.create(rollout(CANARY))
    await cluster.target.apply(live, Desired({"0123456789": 1}, Traffic()))
    assert await cluster.rest.list("apps/v1", "ReplicaSet", cluster.namespace) == []


async def test_old_sets_beyond_the_history_limit_are_deleted(cluster: Cluster) -> None:
    hashes = []
    for version in ("1", "2", "3"):
        manifest = rollout(CANARY, image=f"example/web:{version}")
        manifest["spec"]["revisionHistoryLimit"] = 1
        live = await cluster.create(manifest)
        current = pod_template_hash(live["spec"]["template"])
        hashes.append(current)
        await cluster.target.apply(live, Desired({current: 1}, Traffic(stable_hash=current)))
    sets = await cluster.rest.list("apps/v1", "ReplicaSet", cluster.namespace)
    revisions = {
        rs["metadata"]["labels"][HASH_LABEL]: rs["metadata"]["annotations"][
            "rollout.argoproj.io/revision"
        ]
        for rs in sets
        if not rs["metadata"].get("deletionTimestamp")
    }
    # The running set and one scaled-down set (the newest) are kept.
    assert revisions == {hashes[1]: "2", hashes[2]: "3"}
