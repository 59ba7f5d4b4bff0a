"""The pipeline, gate and attestation routes of a real server, and the notifications of the
promotion loop and the admission gate: a real env repo (dev and prod branches, prod manual),
the controller's promotion loop, the HTTP API on 127.0.0.1, a real OCI registry (crane) and a
real HTTP receiver for the notifications."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.api.auth import Outcome, parse_policy
from seaway.api.auth.rbac import Enforcer
from seaway.controller.release_gate import AttestationGate
from seaway.controller.service import Settings
from seaway.gates.attest import (
    PredicateKind,
    RegistryAttestations,
    TestResult,
    generate_key,
    parse_image_ref,
    sign_envelope,
    statement_for,
)
from seaway.model.pipeline import Stage
from seaway.notify import Hub, Trigger
from seaway.notify.config import parse_config
from seaway.promote.release import Release
from seaway.promote.writeback import parse_image_ref as parse_release_ref
from seaway.registry import RegistryClient
from tests.api.live import USER_PASSWORD
from tests.api.pipelines_live import PipelineLive, pipeline_server
from tests.api.test_notify import Receiver, wait_until
from tests.gitrepo import git
from tests.oci_registry import Registry

pytestmark = pytest.mark.anyio

POLICY = """
g, alice, role:admin
g, rob, role:readonly
g, dora, role:deployer:team-a
g, bert, role:deployer:team-b
"""
APPROVE = "/api/v1/pipelines/web/stages/prod/approve"


def prod_tag(live: PipelineLive) -> str:
    assert live.remote is not None
    text = git(live.remote, "show", "prod:web/kustomization.yaml")
    return str(yaml.safe_load(text)["images"][0]["newTag"])


async def tokens_for(live: PipelineLive, *users: str) -> dict[str, str]:
    for user in users:
        live.add_user(user)
    return {user: await live.login(user, USER_PASSWORD) for user in users}


async def test_pipeline_stages_and_an_approval_that_promotes(tmp_path: Path) -> None:
    async with pipeline_server(tmp_path, enforcer=Enforcer(parse_policy(POLICY))) as live:
        tokens = await tokens_for(live, "alice")
        async with live.client(tokens["alice"]) as api:
            listed = (await api.get("/api/v1/pipelines")).json()["items"]
            assert [(p["name"], p["stages"]) for p in listed] == [("web", ["dev", "prod"])]

            pipeline = (await api.get("/api/v1/pipelines/web")).json()
            dev, prod = pipeline["stages"]
            assert (dev["name"], dev["release"], dev["gate"]) == ("dev", "api:1.0, web:v2", None)
            assert "registry.example/web:v2" in dev["images"]
            # Where dev's release came from: the last commit to its folder (no promotion yet).
            assert dev["origin"]["subject"] == "dev files"
            assert prod["release"] == "api:1.0, web:v1"
            gate = prod["gate"]
            assert (gate["source"], gate["incoming"]) == ("dev", "api:1.0, web:v2")
            assert gate["waitingForApproval"] is True
            assert [h["kind"] for h in gate["holds"]] == ["approval"]

            answer = await api.post(APPROVE)
            assert answer.status_code == 200, answer.text
            done = answer.json()
            assert done["approved"] is True
            assert done["promoted"] is True
            assert done["promotion"]["by"] == "alice"
            assert done["promotion"]["approvers"] == ["alice"]
            commit = done["promotion"]["commit"]

            history = (await api.get("/api/v1/pipelines/web/promotions")).json()["items"]
            assert [(h["target"], h["label"], h["commit"]) for h in history] == [
                ("prod", "api:1.0, web:v2", commit)
            ]
            after = (await api.get("/api/v1/pipelines/web")).json()["stages"][1]
            assert after["release"] == "api:1.0, web:v2"
            assert after["gate"]["upToDate"] is True
            assert after["origin"]["promotedBy"] == "alice"

        assert live.remote is not None
        assert git(live.remote, "rev-parse", "prod") == commit
        assert prod_tag(live) == "v2"
        message = git(live.remote, "log", "-1", "--format=%B", "prod")
        assert "alice" in message
        release = live.promotions.reader.store.promotions("web", "prod")[0].release
        [approval] = live.promotions.reader.store.approvals("web", "prod", release)
        assert (approval.user, approval.roles) == ("alice", ("role:admin", "role:readonly"))
        audited = live.access.audit.query(outcome=Outcome.SUCCESS)
        assert ("alice", "promotions.approve", "team-a/web/prod") in {
            (e.actor, e.action, e.target) for e in audited
        }


async def test_who_may_approve(tmp_path: Path) -> None:
    async with pipeline_server(tmp_path, enforcer=Enforcer(parse_policy(POLICY))) as live:
        tokens = await tokens_for(live, "alice", "rob", "dora", "bert")
        for user, expected in (("rob", 403), ("bert", 403)):
            async with live.client(tokens[user]) as api:
                answer = await api.post(APPROVE)
            assert answer.status_code == expected, (user, answer.text)
        assert prod_tag(live) == "v1"
        # A deployer of the project may promote what others approved, but not approve it.
        async with live.client(tokens["dora"]) as api:
            held = (await api.post(APPROVE)).json()
        assert (held["approved"], held["promoted"]) == (False, False)
        assert held["gate"]["approvals"] == []
        assert prod_tag(live) == "v1"
        # Readers of another project see no pipeline of this one.
        async with live.client(tokens["bert"]) as api:
            assert (await api.get("/api/v1/pipelines")).json()["items"] == []
            assert (await api.get("/api/v1/pipelines/web")).status_code == 403
        async with live.client(tokens["rob"]) as api:
            assert (await api.get("/api/v1/pipelines/web")).status_code == 200
            assert (await api.get("/api/v1/pipelines/nope")).status_code == 404
        async with live.client(tokens["alice"]) as api:
            assert (await api.post("/api/v1/pipelines/web/stages/qa/approve")).status_code == 404
            # The first stage is fed by CI, not by promotion.
            first = await api.post("/api/v1/pipelines/web/stages/dev/approve")
            assert first.status_code == 409
            assert "first of pipeline web" in first.json()["detail"]
            assert (await api.post(APPROVE)).json()["promoted"] is True
        assert prod_tag(live) == "v2"
        denied = live.access.audit.query(outcome=Outcome.DENIED)
        assert {(e.actor, e.action) for e in denied} >= {
            ("rob", "promotions.promote"),
            ("bert", "promotions.promote"),
        }


def unattested_app(registry: Registry, live_url: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "gated", "annotations": {"seaway.dev/attestation-policy": "dev"}},
        "spec": {
            "project": "team-a",
            "source": {"repoURL": live_url, "targetRevision": "main", "path": "gated"},
            "destination": {"name": "in-cluster", "namespace": "shop"},
        },
    }


def deployment(image: str) -> str:
    container = {"name": "api", "image": image, "command": [sys.executable, "-c", "pass"]}
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [container]},
                },
            },
        }
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        made.server.shutdown()
        made.server.server_close()


def notify_config(url: str) -> str:
    return yaml.safe_dump(
        {
            "destinations": {"hook": {"url": f"{url}/hook"}},
            "subscriptions": [
                {"triggers": ["on-promotion-waiting", "on-gate-refused"], "destinations": ["hook"]}
            ],
        }
    )


async def test_waiting_and_refused_reach_a_receiver_and_the_gate_routes(
    tmp_path: Path, oci_registry: Registry, receiver: Receiver
) -> None:
    key = generate_key()
    (tmp_path / "ci.pub").write_bytes(key.public.pem())
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "dev.yaml").write_text(
        "stages:\n  dev:\n    trustedKeys: [{path: ../ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    digest = oci_registry.push_image("shop/api", "1.0.0")
    image = f"{oci_registry.host}/shop/api:1.0.0"
    settings = Settings(
        interval=3600.0,
        attestation_policy_dir=policies,
        insecure_registries=(oci_registry.host,),
    )
    config = parse_config(notify_config(receiver.url))
    async with pipeline_server(tmp_path, notifications=config, settings=settings) as live:
        # Two rounds of the loop: prod waits in both, one message says so.
        for _ in range(2):
            results = await live.promotions.step()
            assert [(r.stage, r.action) for r in results] == [("prod", "held")]
        await wait_until(lambda: receiver.received("/hook"))
        waiting = receiver.received("/hook")
        assert [b["trigger"] for b in waiting] == ["on-promotion-waiting"]
        event = waiting[0]["event"]
        assert (event["app"], event["detail"]["stage"], event["detail"]["release"]) == (
            "web-prod",
            "prod",
            "api:1.0, web:v2",
        )

        live.upstream.commit({"gated/deploy.yaml": deployment(image)}, "gated")
        (live.apps_dir / "gated.yaml").write_text(
            yaml.safe_dump(unattested_app(oci_registry, live.upstream.url))
        )
        live.control.apps.load()
        for _ in range(2):
            await live.control.controller.reconcile_one("gated")

        def refused() -> list[dict[str, Any]]:
            found = receiver.received("/hook")
            return [b for b in found if b["trigger"] == "on-gate-refused"]

        await wait_until(refused)
        assert len(refused()) == 1
        assert refused()[0]["event"]["detail"]["image"] == image
        assert "no test-result attestation" in refused()[0]["event"]["message"]

        admin = await live.login("admin")
        async with live.client(admin) as api:
            gates = (await api.get("/api/v1/gates", params={"app": "gated"})).json()["items"]
            assert [(g["app"], g["project"], g["image"]) for g in gates] == [
                ("gated", "team-a", image)
            ]
            asked = {"image": image, "policy": "dev"}
            verdict = (await api.get("/api/v1/attestations", params=asked)).json()
            assert verdict["allowed"] is False
            assert verdict["digest"] == digest
            assert len(verdict["missing"]) == 1
            assert "test-result" in verdict["missing"][0]
            bad = await api.get("/api/v1/attestations", params={**asked, "policy": "../x"})
            assert bad.status_code == 409
            assert "not a policy name" in bad.json()["detail"]

            ref = parse_image_ref(f"{oci_registry.host}/shop/api@{digest}")
            predicate = TestResult(suite="it", passed=True, failed=0)
            statement = statement_for(ref, PredicateKind.TEST_RESULT.uri, predicate.to_predicate())
            envelope = sign_envelope(statement.to_json(), key)
            with RegistryClient(insecure=[oci_registry.host], credentials={}) as client:
                RegistryAttestations(client).push(ref, PredicateKind.TEST_RESULT, envelope)
            verdict = (await api.get("/api/v1/attestations", params=asked)).json()
            assert (verdict["allowed"], verdict["missing"]) == (True, [])
            assert verdict["satisfied"]


async def test_promote_and_why_with_server_in_a_subprocess(tmp_path: Path) -> None:
    async with pipeline_server(tmp_path) as live:
        token = await live.login("admin")
        env = {
            **os.environ,
            "SEAWAY_TOKEN": token,
            "SEAWAY_USER": "someone-else",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "COLUMNS": "200",
        }

        def seaway(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "seaway", *args, "--server", live.url],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )

        why = await _in_thread(seaway, "why", "web-prod")
        assert why.returncode == 0, why.stderr
        assert "pipeline web: dev -> prod" in why.stdout
        assert "promotion into prod (manual) is held by:" in why.stdout
        assert "approval:" in why.stdout

        promoted = await _in_thread(seaway, "promote", "web-prod", "--to", "prod")
        assert promoted.returncode == 0, promoted.stderr
        assert promoted.stdout.startswith("promoted api:1.0, web:v2 dev -> prod: commit ")
        assert prod_tag(live) == "v2"
        [record] = live.promotions.reader.store.promotions("web", "prod")
        assert (record.by, record.approvers) == ("admin", ("admin",))

        unknown = await _in_thread(seaway, "promote", "nope", "--to", "prod")
        assert unknown.returncode == 2
        assert "no pipeline is named 'nope'" in unknown.stderr


async def _in_thread(run: Any, *args: str) -> subprocess.CompletedProcess[str]:
    # The server runs on this event loop: the blocking CLI call must not hold it.
    result: subprocess.CompletedProcess[str] = await asyncio.to_thread(run, *args)
    return result


async def test_app_delete_through_the_api(tmp_path: Path) -> None:
    async with pipeline_server(tmp_path, enforcer=Enforcer(parse_policy(POLICY))) as live:
        tokens = await tokens_for(live, "alice", "dora")
        async with live.client(tokens["dora"]) as api:
            assert (await api.delete("/api/v1/applications/web-dev")).status_code == 403
        async with live.client(tokens["alice"]) as api:
            kept = await api.delete("/api/v1/applications/web-dev", params={"cascade": "false"})
            assert kept.status_code == 202, kept.text
            assert (await api.delete("/api/v1/applications/nope")).status_code == 404
            # With cascade (the default) the controller deletes its resources, then the app.
            gone = await api.delete("/api/v1/applications/web-prod")
            assert gone.status_code == 202, gone.text
        await wait_until(lambda: live.control.store.get("Application", "web-prod") is None)
        assert live.control.store.get("Application", "web-dev") is None
        async with live.client(tokens["alice"]) as api:
            assert (await api.get("/api/v1/applications")).json()["items"] == []
        audited = live.access.audit.query(outcome=Outcome.SUCCESS)
        assert ("alice", "applications.delete", "team-a/web-dev") in {
            (e.actor, e.action, e.target) for e in audited
        }


def test_the_release_gate_publishes_its_refusal_once(
    tmp_path: Path, oci_registry: Registry
) -> None:
    (tmp_path / "ci.pub").write_bytes(generate_key().public.pem())
    (tmp_path / "release.yaml").write_text(
        "stages:\n  prod:\n    trustedKeys: [{path: ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    oci_registry.push_image("shop/web", "2.0.0")
    image = f"{oci_registry.host}/shop/web:2.0.0"
    release = Release((parse_release_ref(image),))
    stage = Stage.model_validate(
        {"name": "prod", "apps": ["web-prod"], "checks": {"attestationPolicy": "release"}}
    )
    hub = Hub()
    gate = AttestationGate(tmp_path, (oci_registry.host,), hub=hub)
    # The loop judges the gate every round; people hear of the refusal once.
    for _ in range(3):
        [hold] = gate.holds(stage, release)
    [event] = hub.recent()
    assert event.triggers == (Trigger.GATE_REFUSED,)
    assert (event.app, event.detail["image"], event.detail["gate"]) == (
        "web-prod",
        image,
        "promotion",
    )
    assert event.message == hold.message
