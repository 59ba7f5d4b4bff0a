"""A Rollout steered through the HTTP API of a real server: an app on the local backend whose
canary pauses, a promote by its deployer, a refusal for a read-only user and another project's
deployer; the rollout driver (started with the local backend) acts on the queued command."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.api.auth import parse_policy
from seaway.api.auth.rbac import Enforcer
from seaway.notify import Trigger, default_hub
from tests.api.live import USER_PASSWORD, Live, health_of, live_server, revision_of, sync_of
from tests.rollout.local.workload import rollout, service

pytestmark = pytest.mark.anyio


def manifests(version: str) -> dict[str, str]:
    obj = rollout(
        version,
        {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
    )
    docs: list[dict[str, Any]] = [obj, service("web")]
    for doc in docs:
        doc["metadata"].pop("namespace", None)
        doc["metadata"].pop("labels", None)
    return {"web/all.yaml": yaml.safe_dump_all(docs)}


async def until(live: Live, sha: str, health: str) -> None:
    def reached(status: dict[str, Any]) -> bool:
        live.control.controller.enqueue("web", refresh=True)
        return (revision_of(status), sync_of(status), health_of(status)) == (sha, "Synced", health)

    await live.wait_for("web", reached, timeout=90)


async def test_promote_a_paused_canary_through_the_api(tmp_path: Path) -> None:
    policy = "g, dora, role:deployer:team-a\ng, bob, role:deployer:team-b\ng, rob, role:readonly\n"
    async with live_server(tmp_path, enforcer=Enforcer(parse_policy(policy)), apps=()) as live:
        first = live.upstream.commit(manifests("v1"), "v1")
        live.write_app(
            "web",
            "team-a",
            source={"repoURL": live.upstream.url, "targetRevision": "main", "path": "web"},
            destination={"name": "in-cluster", "namespace": "demo"},
            syncPolicy={"automated": {}, "syncOptions": ["CreateNamespace=true"]},
        )
        await until(live, first, "Healthy")
        second = live.upstream.commit(manifests("v2"), "v2")
        await until(live, second, "Suspended")

        tokens = {}
        for user in ("dora", "bob", "rob"):
            live.add_user(user)
            tokens[user] = await live.login(user, USER_PASSWORD)
        async with live.client(tokens["rob"]) as api:
            listed = (await api.get("/api/v1/applications/web/rollouts")).json()["items"]
            assert [(r["namespace"], r["name"], r["phase"]) for r in listed] == [
                ("demo", "web", "Paused")
            ]
            refused = await api.post("/api/v1/applications/web/rollouts/web/promote")
            assert refused.status_code == 403
        async with live.client(tokens["bob"]) as api:
            assert (await api.get("/api/v1/applications/web/rollouts")).status_code == 403
            refused = await api.post("/api/v1/applications/web/rollouts/web/abort")
            assert refused.status_code == 403
        async with live.client(tokens["dora"]) as api:
            missing = await api.post("/api/v1/applications/web/rollouts/nope/promote")
            assert missing.status_code == 404
            unknown = await api.post("/api/v1/applications/web/rollouts/web/fly")
            assert unknown.status_code == 422
            answer = await api.post("/api/v1/applications/web/rollouts/web/promote")
            assert answer.status_code == 202, answer.text
        await until(live, second, "Healthy")

        # An abort is queued the same way; the driver's event reaches the process's hub,
        # where notifications pick up on-rollout-aborted.
        third = live.upstream.commit(manifests("v3"), "v3")
        await until(live, third, "Suspended")
        seen = default_hub.recent()
        after = seen[-1].id if seen else 0
        async with live.client(tokens["dora"]) as api:
            answer = await api.post("/api/v1/applications/web/rollouts/web/abort")
            assert answer.status_code == 202, answer.text
        deadline = time.monotonic() + 60
        while not [e for e in default_hub.recent(after) if e.kind == "rollout.RolloutAborted"]:
            assert time.monotonic() < deadline, default_hub.recent(after)
            await asyncio.sleep(0.1)
        aborted = next(e for e in default_hub.recent(after) if e.kind == "rollout.RolloutAborted")
        assert aborted.triggers == (Trigger.ROLLOUT_ABORTED,)
        assert dict(aborted.detail) == {"namespace": "demo", "rollout": "web"}
        entries = {(e.actor, e.action) for e in live.access.audit.query()}
        assert ("dora", "rollouts.promote") in entries
        assert ("rob", "rollouts.promote") in entries  # the refusal, audited as denied
