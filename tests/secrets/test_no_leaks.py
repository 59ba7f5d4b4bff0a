"""The secret-leak sweep: no secret value ever appears in logs, diffs, the API or CLI output.

A sealed secret (opened by the controller at sync) and a plain Secret with distinctive values go
through an app on the local backend behind a real server (tests/api/live.py: the controller and
the HTTP API on uvicorn): sync, a drift of the live Secret to another value, a refresh, then a
tampered SealedSecret the controller refuses to open. Every answer of the API's
application routes, the output of `seaway app get -o yaml`, `seaway app diff` and `seaway app
list` run as real processes against that server, and every log record and byte written to
stdout/stderr of the test process are scanned for each value, as written and base64-encoded
(at each of the three alignments base64 can put it in inside a longer blob).
"""

from __future__ import annotations

import base64
import copy
import logging
import os
import subprocess
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from seaway.cluster.local.objects import managed_fields
from seaway.diff import diff
from seaway.secrets import KeyStore, seal
from tests.api.live import Live, live_server, revision_of, sync_of

pytestmark = pytest.mark.anyio

SEAWAY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "seaway"
NAMESPACE = "ns-shop"
PLAIN = "plain-leak-canary-5d1e9b7a"
DATA = "data-leak-canary-81c4f2e0"
SEALED = "sealed-leak-canary-3fa7d915"
DRIFTED = "drift-leak-canary-c6e2a48b"
VALUES = (PLAIN, DATA, SEALED, DRIFTED)


def encodings(value: str) -> list[str]:
    """The value and the base64 text it becomes, alone or at any offset in a longer blob."""
    raw = value.encode()
    found = [value, base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]
    for shift in (1, 2):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        # Drop the characters that mix the prefix in, and the last group that mixes in what
        # follows the value; what is left appears in any blob holding the value at this offset.
        found.append(encoded[4:-4])
    found.append(base64.b64encode(raw).decode()[:-4])
    return found


@dataclass
class Sweep:
    outputs: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text: str) -> None:
        self.outputs[where] = text

    def leaks(self) -> list[str]:
        return [
            f"{where}: {value!r} as {form!r}"
            for where, text in self.outputs.items()
            for value in VALUES
            for form in encodings(value)
            if form in text
        ]


def _secret() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "type": "Opaque",
        "stringData": {"password": PLAIN},
        "data": {"token": base64.b64encode(DATA.encode()).decode()},
    }


def _sealed(keys: Path) -> dict[str, Any]:
    # In the controller's key store (<data dir>/sealing-keys): the controller opens it at sync.
    key = KeyStore(keys).generate(2048).key
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "api", "namespace": NAMESPACE},
        "stringData": {"key": SEALED},
    }
    return seal(secret, key.public_key)


async def _cli(sweep: Sweep, live: Live, token: str, *args: str) -> None:
    env = {**os.environ, "SEAWAY_SERVER": live.url, "SEAWAY_TOKEN": token, "COLUMNS": "250"}
    done = await anyio.to_thread.run_sync(
        partial(
            subprocess.run, [str(SEAWAY), *args], capture_output=True, text=True, env=env,
            timeout=120, check=False,
        )
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.strip(), f"seaway {' '.join(args)} printed nothing: {done.stderr}"
    sweep.add(f"seaway {' '.join(args)}", done.stdout + done.stderr)


async def _api(sweep: Sweep, live: Live, token: str, when: str) -> dict[str, Any]:
    got: dict[str, Any] = {}
    async with live.client(token) as api:
        for route in ("", "/shop", "/shop/resource-tree", "/shop/diff", "/shop/history"):
            answer = await api.get(f"/api/v1/applications{route}")
            # A comparison that could not finish has no diff to give: 409, its reason as text.
            refused = when == "refused" and route == "/shop/diff"
            assert answer.status_code == (409 if refused else 200), answer.text
            sweep.add(f"GET applications{route} ({when})", answer.text)
            got[route] = answer.json()
        answer = await api.get("/api/v1/events", params={"app": "shop"})
        sweep.add(f"GET events ({when})", answer.text)
    return got


def _synced(status: dict[str, Any]) -> bool:
    phase = (status.get("operationState") or {}).get("phase")
    return phase == "Succeeded" and sync_of(status) == "Synced"


async def test_no_secret_value_leaks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    sweep = Sweep()
    async with live_server(tmp_path, apps=(("shop", "team-a"),)) as live:
        token = await live.login("admin")
        sealed = _sealed(live.data_dir / "sealing-keys")
        commit = live.upstream.commit(
            {
                "app/secret.yaml": yaml.safe_dump(_secret()),
                "app/sealed.yaml": yaml.safe_dump(sealed),
            },
            "secrets",
        )
        async with live.client(token) as api:
            await api.post("/api/v1/applications/shop/refresh")
            await live.wait_for("shop", lambda s: revision_of(s) == commit)
            before = (await api.get("/api/v1/applications/shop/diff")).json()
            answer = await api.post("/api/v1/applications/shop/sync", json={})
            assert answer.status_code == 202, answer.text
            await live.wait_for("shop", _synced)
        sweep.add("GET applications/shop/diff (before sync)", str(before))
        assert "core/Secret/ns-shop/db" in {d["resource"] for d in before["resources"]}
        synced = await _api(sweep, live, token, "synced")
        names = {(n["kind"], n["name"]) for n in synced["/shop/resource-tree"]["nodes"]}
        assert {("Secret", "db"), ("Secret", "api")} <= names
        assert "SealedSecret" not in {kind for kind, _ in names}

        # The live Secret is the one place the value must be: the sweep would catch nothing if
        # the app never deployed it.
        live_secret = await live.control.backend.get("v1", "Secret", "db", NAMESPACE)
        assert live_secret is not None
        assert base64.b64decode(live_secret["data"]["password"]).decode() == PLAIN
        opened = await live.control.backend.get("v1", "Secret", "api", NAMESPACE)
        assert opened is not None
        assert base64.b64decode(opened["data"]["key"]).decode() == SEALED

        drifted = {**_secret(), "metadata": {"name": "db", "namespace": NAMESPACE}}
        drifted["stringData"] = {"password": DRIFTED}
        await live.control.backend.apply(drifted)
        async with live.client(token) as api:
            await api.post("/api/v1/applications/shop/refresh")
        await live.wait_for("shop", lambda s: sync_of(s) == "OutOfSync")
        after = await _api(sweep, live, token, "drifted")
        assert [d["resource"] for d in after["/shop/diff"]["resources"]] == [
            "core/Secret/ns-shop/db"
        ]

        await _cli(sweep, live, token, "app", "get", "shop", "-o", "yaml")
        await _cli(sweep, live, token, "app", "get", "shop")
        await _cli(sweep, live, token, "app", "diff", "shop")
        await _cli(sweep, live, token, "app", "list", "-o", "json")
        await _cli(sweep, live, token, "app", "history", "shop")

        await _tamper(live, token, sealed)
        await _api(sweep, live, token, "refused")
        [condition] = live.status("shop")["conditions"]
        assert condition["message"].startswith("SealedSecret ns-shop/api: spec.encryptedData.key")
        await _cli(sweep, live, token, "app", "get", "shop", "-o", "json")

    sweep.add("log records", "\n".join(record.getMessage() for record in caplog.records))
    captured = capfd.readouterr()
    sweep.add("stdout/stderr of the test process", captured.out + captured.err)
    assert len(caplog.records) > 0
    assert sweep.leaks() == []


async def _tamper(live: Live, token: str, sealed: dict[str, Any]) -> None:
    """Commit `sealed` with one bit of its ciphertext flipped; wait for the refusal."""
    raw = bytearray(base64.b64decode(sealed["spec"]["encryptedData"]["key"]))
    raw[-1] ^= 0x01
    tampered = copy.deepcopy(sealed)
    tampered["spec"]["encryptedData"]["key"] = base64.b64encode(bytes(raw)).decode()
    live.upstream.commit({"app/sealed.yaml": yaml.safe_dump(tampered)}, "tampered")
    async with live.client(token) as api:
        await api.post("/api/v1/applications/shop/refresh")
    await live.wait_for("shop", lambda s: sync_of(s) == "Unknown")


def test_the_sweep_finds_each_form() -> None:
    sweep = Sweep()
    blob = base64.b64encode(b"xy" + DATA.encode() + b"tail").decode()
    sweep.add("raw", f"password: {PLAIN}")
    sweep.add("base64", f"data: {base64.b64encode(SEALED.encode()).decode()}")
    sweep.add("inside a blob", blob)
    found = sweep.leaks()
    assert any(line.startswith("raw: 'plain") for line in found)
    assert any(line.startswith("base64: 'sealed") for line in found)
    assert any(line.startswith("inside a blob: 'data") for line in found)


def test_a_live_secret_with_string_data_is_masked_in_a_diff() -> None:
    """A backend that keeps stringData as applied (the local one did) must not show it."""
    desired = _secret() | {"metadata": {"name": "db", "namespace": NAMESPACE}}
    live = desired | {"stringData": {"password": DRIFTED}}
    # Seaway owns stringData in live, so the comparison looks at it (as after a local apply).
    live["metadata"] = desired["metadata"] | {"managedFields": managed_fields(live)}
    found = diff(desired, live)
    sweep = Sweep()
    sweep.add("diff", found.text() + repr(found))
    assert sweep.leaks() == []
    assert found.modified


async def test_the_local_backend_folds_string_data_into_data(tmp_path: Path) -> None:
    async with live_server(tmp_path, apps=()) as live:
        secret = _secret() | {"metadata": {"name": "db", "namespace": NAMESPACE}}
        await live.control.backend.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        )
        stored = await live.control.backend.apply(secret)
    assert "stringData" not in stored
    assert base64.b64decode(stored["data"]["password"]).decode() == PLAIN
    assert base64.b64decode(stored["data"]["token"]).decode() == DATA
