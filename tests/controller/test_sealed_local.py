"""SealedSecrets opened by the controller at sync, on the local backend with a real Git repo, the
real `seaway secret` CLI (and Bitnami's kubeseal, where it is built) and a real process reading
the opened value through env and envFrom behind a real Service.

A SealedSecret becomes the Secret it describes (the SealedSecret itself is never stored), the
Deployment's process gets the value, a value sealed again with a rotated key reaches new pods,
and a SealedSecret that does not open (tampered, renamed under a strict scope, no keys) is a
ComparisonError naming it, with nothing of the app applied or pruned and no value in any message.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.controller.service import LocalControl, Settings, build_local
from seaway.secrets import KeyStore, certificate_pem, seal
from testbed.build import BuildError, ensure_built
from tests.gitrepo import Upstream
from tests.local.programs import SERVER
from tests.secrets.test_kubeseal_interop import KUBESEAL

pytestmark = pytest.mark.anyio

SEAWAY = Path(sys.executable).parent / "seaway"
NAMESPACE = "shop"
FIRST = "first-sealed-value-4b8e21"
SECOND = "second-sealed-value-9c0d57"
KEY_BITS = 2048


def secret(password: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": NAMESPACE, "labels": {"app": "web"}},
        "type": "Opaque",
        "stringData": {"password": password, "user": "shop"},
    }


def deployment(program: Path, revision: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                # Like Helm's checksum/secret: a new value rolls the pods, which read env once.
                "metadata": {"labels": {"app": "web"}, "annotations": {"secret-rev": revision}},
                "spec": {
                    "terminationGracePeriodSeconds": 2,
                    "containers": [
                        {
                            "name": "web",
                            "image": "example.org/web:1",
                            "command": [sys.executable, "-u", str(program)],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "envFrom": [{"secretRef": {"name": "db"}, "prefix": "DB_"}],
                            "env": [
                                {
                                    "name": "PASSWORD",
                                    "valueFrom": {
                                        "secretKeyRef": {"name": "db", "key": "password"}
                                    },
                                }
                            ],
                            "readinessProbe": {
                                "httpGet": {"path": "/healthz", "port": "http"},
                                "periodSeconds": 0.2,
                            },
                        }
                    ],
                },
            },
        },
    }


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 0, "targetPort": "http"}]},
}


def config(color: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: web}}\ndata: {{color: {color}}}\n"


def seaway(*args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(SEAWAY), "secret", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class World:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.keys = tmp / "data" / "sealing-keys"
        self.program = tmp / "server.py"
        self.program.write_text(SERVER)
        self.repo = Upstream(tmp / "env")
        self.apps = tmp / "apps"
        self.apps.mkdir()
        self.control: LocalControl | None = None

    def seal(self, password: str, *, cli: bool = False) -> str:
        if not cli:
            public_key = KeyStore(self.keys).active().key.public_key
            return yaml.safe_dump(seal(secret(password), public_key))
        cert = self.tmp / "cert.pem"
        cert.write_text(seaway("cert", "--dir", str(self.keys)))
        return seaway("seal", "--cert", str(cert), stdin=yaml.safe_dump(secret(password)))

    def commit(self, sealed: str, revision: str, color: str = "blue") -> None:
        self.repo.commit(
            {
                "web/sealed.yaml": sealed,
                "web/deployment.yaml": yaml.safe_dump(deployment(self.program, revision)),
                "web/service.yaml": yaml.safe_dump(SERVICE),
                "web/config.yaml": config(color),
            }
        )

    def write_app(self) -> None:
        project = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "shop"},
            "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}]},
        }
        app = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {
                "project": "shop",
                "source": {"repoURL": self.repo.url, "targetRevision": "main", "path": "web"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": NAMESPACE},
                "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
            },
        }
        (self.apps / "web.yaml").write_text(yaml.safe_dump_all([project, app]))

    @property
    def live(self) -> LocalControl:
        assert self.control is not None
        return self.control

    async def reconcile(self) -> dict[str, Any]:
        self.live.apps.load(force=True)
        outcome = await self.live.controller.reconcile_one("web")
        assert outcome is not None
        return dict(outcome.status)

    async def password(self) -> str | None:
        found = await self.live.backend.get("v1", "Secret", "db", NAMESPACE)
        return None if found is None else base64.b64decode(found["data"]["password"]).decode()

    async def env(self) -> dict[str, str]:
        service = await self.live.backend.get("v1", "Service", "web", NAMESPACE)
        assert service is not None
        port = service["status"]["loadBalancer"]["ingress"][0]["ports"][0]["port"]

        def fetch() -> dict[str, str]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/env", timeout=5) as answer:
                return dict(json.loads(answer.read())["env"])

        return await asyncio.to_thread(fetch)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    made = World(tmp_path)
    KeyStore(made.keys).generate(KEY_BITS)
    made.control = await build_local(tmp_path / "data", [made.apps], Settings(interval=3600))
    made.control.controller.reconciler.poll_interval = 0.1
    try:
        yield made
    finally:
        await made.control.close()


async def until(what: str, probe: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = await probe()
        except OSError:
            value = None
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def conditions(status: dict[str, Any]) -> list[dict[str, str]]:
    return list(status.get("conditions") or [])


async def synced_and_healthy(world: World) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        status = await world.reconcile()
        ok = status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"
        return status if ok else None

    found: dict[str, Any] = await until("Synced and Healthy", check)
    return found


async def test_a_sealed_secret_opens_into_the_secret_the_process_reads(world: World) -> None:
    world.commit(world.seal(FIRST, cli=True), "1")
    world.write_app()
    status = await synced_and_healthy(world)
    assert conditions(status) == []
    kinds = {(r["kind"], r["name"]) for r in status["resources"]}
    assert ("Secret", "db") in kinds
    assert all(kind != "SealedSecret" for kind, _ in kinds)
    assert (
        await world.live.backend.get("bitnami.com/v1alpha1", "SealedSecret", "db", NAMESPACE)
        is None
    )

    live = await world.live.backend.get("v1", "Secret", "db", NAMESPACE)
    assert live is not None
    assert live["metadata"]["labels"]["app"] == "web"
    assert "ownerReferences" not in live["metadata"]
    assert await world.password() == FIRST
    env = await until("the process", world.env)
    assert env["PASSWORD"] == FIRST
    assert env["DB_password"] == FIRST
    assert env["DB_user"] == "shop"


async def test_a_value_sealed_with_a_rotated_key_rolls_the_pods(world: World) -> None:
    world.commit(world.seal(FIRST), "1")
    world.write_app()
    await synced_and_healthy(world)
    assert (await until("the process", world.env))["PASSWORD"] == FIRST

    KeyStore(world.keys).rotate(KEY_BITS)
    assert len(KeyStore(world.keys).list_keys()) == 2
    # What the old key sealed still opens after the rotation.
    assert conditions(await synced_and_healthy(world)) == []
    world.commit(world.seal(SECOND), "2")
    await synced_and_healthy(world)
    assert await world.password() == SECOND

    async def rolled() -> bool:
        return (await world.env())["PASSWORD"] == SECOND

    await until("pods with the new value", rolled)


def _failure(status: dict[str, Any]) -> str:
    assert status["sync"]["status"] == "Unknown"
    [condition] = [c for c in conditions(status) if c["type"] == "ComparisonError"]
    message = condition["message"]
    for value in (FIRST, SECOND, base64.b64encode(SECOND.encode()).decode()):
        assert value not in json.dumps(status)
    return message


async def _nothing_changed(world: World, generation: int) -> None:
    assert await world.password() == FIRST
    config = await world.live.backend.get("v1", "ConfigMap", "web", NAMESPACE)
    assert config is not None
    assert config["data"]["color"] == "blue"
    live = await world.live.backend.get("apps/v1", "Deployment", "web", NAMESPACE)
    assert live is not None
    assert live["metadata"]["generation"] == generation
    assert (await world.env())["PASSWORD"] == FIRST


async def test_a_tampered_sealed_secret_changes_nothing(world: World) -> None:
    world.commit(world.seal(FIRST), "1")
    world.write_app()
    await synced_and_healthy(world)
    deployed = await world.live.backend.get("apps/v1", "Deployment", "web", NAMESPACE)
    assert deployed is not None

    sealed = yaml.safe_load(world.seal(SECOND))
    raw = bytearray(base64.b64decode(sealed["spec"]["encryptedData"]["password"]))
    raw[-1] ^= 0x01
    sealed["spec"]["encryptedData"]["password"] = base64.b64encode(bytes(raw)).decode()
    world.commit(yaml.safe_dump(sealed), "2", color="green")

    message = _failure(await world.reconcile())
    assert message.startswith("SealedSecret shop/db: spec.encryptedData.password: no key opens")
    assert "nothing of the app is applied" in message
    await _nothing_changed(world, int(deployed["metadata"]["generation"]))


async def test_a_strict_sealed_secret_renamed_does_not_open_and_prunes_nothing(
    world: World,
) -> None:
    world.commit(world.seal(FIRST), "1")
    world.write_app()
    await synced_and_healthy(world)
    deployed = await world.live.backend.get("apps/v1", "Deployment", "web", NAMESPACE)
    assert deployed is not None

    # The template says "db": only the SealedSecret's own name counts, and it was sealed for db.
    sealed = yaml.safe_load(world.seal(SECOND))
    sealed["metadata"]["name"] = "db-copy"
    sealed["spec"]["template"]["metadata"]["name"] = "db"
    world.commit(yaml.safe_dump(sealed), "2", color="green")

    message = _failure(await world.reconcile())
    assert message.startswith("SealedSecret shop/db-copy: spec.encryptedData.")
    assert "namespace 'shop' and name 'db-copy' (strict scope)" in message
    # The Secret "db" is no longer in Git, yet it is not pruned: the comparison is incomplete.
    await _nothing_changed(world, int(deployed["metadata"]["generation"]))
    assert await world.live.backend.get("v1", "Secret", "db-copy", NAMESPACE) is None


async def test_without_sealing_keys_the_app_says_so(tmp_path: Path) -> None:
    made = World(tmp_path)
    made.keys.mkdir(parents=True)
    other = KeyStore(tmp_path / "ci-keys").generate(KEY_BITS)
    sealed = yaml.safe_dump(seal(secret(FIRST), other.key.public_key))
    made.repo.commit({"web/sealed.yaml": sealed, "web/config.yaml": config("blue")})
    made.write_app()
    made.control = await build_local(tmp_path / "data", [made.apps], Settings(interval=3600))
    try:
        message = _failure(await made.reconcile())
        assert message == (
            f"SealedSecret shop/db: not opened: the controller's sealing keys: {made.keys}: no "
            "sealing keys yet; create one with `seaway secret keygen`"
        )
        assert await made.live.backend.get("v1", "ConfigMap", "web", NAMESPACE) is None
    finally:
        await made.control.close()


async def test_a_sealed_secret_from_kubeseal_syncs(tmp_path: Path) -> None:
    """Sealed by Bitnami's kubeseal (v0.27.1, built from its Go module) with the controller's
    certificate, namespace-wide: it opens under the app's name for it."""
    try:
        kubeseal = ensure_built(KUBESEAL, log=False).binary("kubeseal")
    except BuildError as exc:
        pytest.skip(f"kubeseal {KUBESEAL.version} could not be built here: {exc}")
    made = World(tmp_path)
    store = KeyStore(made.keys)
    store.generate(KEY_BITS)
    cert = tmp_path / "cert.pem"
    cert.write_bytes(certificate_pem(store.active().key.certificate))
    done = subprocess.run(
        [str(kubeseal), "--cert", str(cert), "--scope", "namespace-wide", "-o", "yaml"],
        input=yaml.safe_dump(secret(FIRST)),
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "no-kubeconfig")},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    made.repo.commit({"web/sealed.yaml": done.stdout, "web/config.yaml": config("blue")})
    made.write_app()
    made.control = await build_local(tmp_path / "data", [made.apps], Settings(interval=3600))
    try:
        status = await made.reconcile()
        assert conditions(status) == []
        assert status["sync"]["status"] == "Synced"
        assert await made.password() == FIRST
    finally:
        await made.control.close()
