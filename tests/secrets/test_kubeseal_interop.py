"""Interoperability with Bitnami's own kubeseal, built from its Go module at a pinned version.

kubeseal seals (offline, from a certificate) and Seaway opens; Seaway seals and kubeseal opens
with `--recovery-unseal --recovery-private-key`, the offline path the controller's keys allow.

v0.27.1 is the newest release the Go module proxy serves under this module path: v0.40.0's
go.mod declares itself `github.com/bitnami/sealed-secrets`, so it cannot be required as
`github.com/bitnami-labs/sealed-secrets`.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.secrets import (
    KeyStore,
    Scope,
    UnsealError,
    certificate_pem,
    reseal,
    seal,
    unseal,
    with_scope_annotations,
)
from testbed.build import BuildError, GoComponent, ensure_built
from tests.secrets.conftest import PLAINTEXT, TEST_KEY_BITS, secret_manifest

KUBESEAL = GoComponent(
    name="kubeseal",
    module="github.com/bitnami-labs/sealed-secrets",
    version="v0.27.1",
    packages=("github.com/bitnami-labs/sealed-secrets/cmd/kubeseal",),
    ldflags=("-s", "-w"),
)


@pytest.fixture(scope="module")
def kubeseal() -> Path:
    try:
        built = ensure_built(KUBESEAL, log=False)
    except BuildError as exc:
        pytest.skip(f"kubeseal {KUBESEAL.version} could not be built here: {exc}")
    return built.binary("kubeseal")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    keys = KeyStore(tmp_path_factory.mktemp("keys"))
    keys.generate(TEST_KEY_BITS)
    return keys


@pytest.fixture(scope="module")
def cert_file(store: KeyStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cert") / "cert.pem"
    path.write_bytes(certificate_pem(store.active().key.certificate))
    return path


def _run(kubeseal: Path, args: list[str], home: Path, stdin: str = "") -> str:
    # No kubeconfig and no cluster: everything kubeseal needs is on the command line.
    done = subprocess.run(
        [str(kubeseal), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(home), "KUBECONFIG": str(home / "no-kubeconfig")},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _sealed_around(raw: str, namespace: str, name: str, scope: Scope) -> dict[str, Any]:
    return {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": with_scope_annotations({}, scope),
        },
        "spec": {"encryptedData": {"password": raw}, "template": {"metadata": {}}},
    }


def _password(secret: dict[str, Any]) -> str:
    return base64.b64decode(secret["data"]["password"]).decode()


@pytest.mark.parametrize("scope", list(Scope))
def test_kubeseal_raw_value_opens_in_seaway(
    kubeseal: Path, store: KeyStore, cert_file: Path, tmp_path: Path, scope: Scope
) -> None:
    value = tmp_path / "value"
    value.write_text(PLAINTEXT)
    args = ["--raw", "--cert", str(cert_file), "--scope", scope.value, f"--from-file={value}"]
    if scope is not Scope.CLUSTER_WIDE:
        args += ["--namespace", "shop"]
    if scope is Scope.STRICT:
        args += ["--name", "db"]
    raw = _run(kubeseal, args, tmp_path).strip()

    keys = store.sealing_keys()
    assert _password(unseal(_sealed_around(raw, "shop", "db", scope), keys)) == PLAINTEXT
    renamed = _sealed_around(raw, "shop", "other", scope)
    moved = _sealed_around(raw, "elsewhere", "db", scope)
    if scope is Scope.STRICT:
        for wrong in (renamed, moved):
            with pytest.raises(UnsealError):
                unseal(wrong, keys)
    elif scope is Scope.NAMESPACE_WIDE:
        assert _password(unseal(renamed, keys)) == PLAINTEXT
        with pytest.raises(UnsealError):
            unseal(moved, keys)
    else:
        assert _password(unseal(moved, keys)) == PLAINTEXT


@pytest.mark.parametrize("scope", list(Scope))
def test_kubeseal_sealed_secret_opens_in_seaway(
    kubeseal: Path, store: KeyStore, cert_file: Path, tmp_path: Path, scope: Scope
) -> None:
    out = _run(
        kubeseal,
        ["--cert", str(cert_file), "--scope", scope.value, "-o", "json"],
        tmp_path,
        yaml.safe_dump(secret_manifest()),
    )
    sealed = json.loads(out)
    secret = unseal(sealed, store.sealing_keys())
    assert _password(secret) == PLAINTEXT
    assert base64.b64decode(secret["data"]["username"]) == b"admin"
    assert secret["metadata"]["labels"] == {"app": "shop-db"}
    assert (secret["metadata"]["namespace"], secret["metadata"]["name"]) == ("shop", "db")


def _recover(kubeseal: Path, key_file: Path, sealed: Any, home: Path) -> Any:
    out = _run(
        kubeseal,
        ["--recovery-unseal", "--recovery-private-key", str(key_file), "-o", "json"],
        home,
        yaml.safe_dump(sealed),
    )
    return json.loads(out)


@pytest.mark.parametrize("scope", list(Scope))
def test_seaway_sealed_secret_opens_in_kubeseal(
    kubeseal: Path, store: KeyStore, tmp_path: Path, scope: Scope
) -> None:
    key = store.active().key
    sealed = seal(secret_manifest(), key.public_key, scope)
    secret = _recover(kubeseal, store.active().key_path, sealed, tmp_path)
    assert _password(secret) == PLAINTEXT
    assert base64.b64decode(secret["data"]["username"]) == b"admin"
    assert secret["metadata"]["labels"] == {"app": "shop-db"}


def test_kubeseal_too_refuses_a_strict_secret_moved(
    kubeseal: Path, store: KeyStore, tmp_path: Path
) -> None:
    sealed = seal(secret_manifest(), store.active().key.public_key, Scope.STRICT)
    sealed["metadata"]["namespace"] = "elsewhere"
    done = subprocess.run(
        [
            str(kubeseal),
            "--recovery-unseal",
            "--recovery-private-key",
            str(store.active().key_path),
        ],
        input=yaml.safe_dump(sealed),
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "none")},
        timeout=60,
    )
    assert done.returncode != 0
    assert "no key could decrypt secret" in done.stderr


def test_resealed_after_rotation_opens_in_kubeseal_with_the_new_key_only(
    kubeseal: Path, tmp_path: Path
) -> None:
    rotating = KeyStore(tmp_path / "keys")
    old = rotating.generate(TEST_KEY_BITS)
    sealed = seal(secret_manifest(), old.key.public_key, Scope.NAMESPACE_WIDE)
    new = rotating.rotate(TEST_KEY_BITS)
    resealed = reseal(sealed, rotating.sealing_keys(), rotating.active().key.public_key)
    assert _password(_recover(kubeseal, new.key_path, resealed, tmp_path)) == PLAINTEXT
    done = subprocess.run(
        [str(kubeseal), "--recovery-unseal", "--recovery-private-key", str(old.key_path)],
        input=yaml.safe_dump(resealed),
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "none")},
        timeout=60,
    )
    assert done.returncode != 0
