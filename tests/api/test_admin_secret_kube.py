"""The generated admin password kept in a Secret, as `seaway server --backend kubernetes` and
`seaway admin ... --kubeconfig` keep it: against the test control plane's real API server."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seaway.api.auth import (
    ADMIN_USER,
    INITIAL_PASSWORD_FILE,
    STORE_FILE,
    Access,
    AuthStore,
    verify_password,
)
from seaway.cli.main import app
from seaway.cluster.kubernetes import KubeRest
from seaway.cluster.kubernetes.admin_secret import SECRET_NAME, AdminSecret
from tests.conftest import Kube

pytestmark = pytest.mark.kube

runner = CliRunner()


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    name = f"seaway-{uuid.uuid4().hex[:6]}"
    yield name

    async def cleanup() -> None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            await rest.delete("v1", "Namespace", name)

    asyncio.run(cleanup())


def _secret(kube: Kube, namespace: str) -> dict[str, Any] | None:
    async def get() -> dict[str, Any] | None:
        async with KubeRest.from_kubeconfig(kube.kubeconfig) as rest:
            return await rest.get("v1", "Secret", SECRET_NAME, namespace)

    return asyncio.run(get())


def _kept(kube: Kube, namespace: str) -> str | None:
    secret = _secret(kube, namespace)
    if secret is None:
        return None
    return base64.b64decode(secret["data"]["password"]).decode()


def _keeper(kube: Kube, namespace: str) -> AdminSecret:
    return AdminSecret(lambda: KubeRest.from_kubeconfig(kube.kubeconfig), namespace)


def _first_start(kube: Kube, namespace: str, data: Path) -> str:
    """What `seaway server --backend kubernetes` does on its first start."""
    with Access(data, plaintext=_keeper(kube, namespace)) as access:
        password = access.initial_password().password
    assert password is not None
    return password


def _admin(kube: Kube, namespace: str, data: Path, *args: str) -> tuple[int, str, str]:
    where = ["--kubeconfig", str(kube.kubeconfig), "-n", namespace, "--data-dir", str(data)]
    result = runner.invoke(app, ["admin", *args, *where], terminal_width=200)
    return result.exit_code, result.stdout, result.stderr


def _logs_in(data: Path, password: str) -> bool:
    with Access(data) as access:
        return access.login(ADMIN_USER, password, "test").ok


def test_first_start_keeps_the_password_only_in_the_secret(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    password = _first_start(kube, namespace, data)
    secret = _secret(kube, namespace)
    assert secret is not None
    assert secret["metadata"]["labels"]["app.kubernetes.io/part-of"] == "seaway"
    assert _kept(kube, namespace) == password
    with Access(data) as access:
        admin = access.store.user(ADMIN_USER)
        assert admin is not None
        assert verify_password(admin.password_hash, password).ok
        assert access.login(ADMIN_USER, password, "test").ok
    assert not (data / INITIAL_PASSWORD_FILE).exists()
    for path in data.rglob("*"):
        assert password.encode() not in path.read_bytes(), path
    # A second start (or a second replica) keeps the first one's password.
    assert _first_start(kube, namespace, data) == password
    assert _kept(kube, namespace) == password


def test_initial_password_shows_then_forgets_the_secret(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    password = _first_start(kube, namespace, data)
    code, out, err = _admin(kube, namespace, data, "initial-password")
    assert (code, out) == (0, password + "\n"), err
    assert f"in Secret {namespace}/{SECRET_NAME}" in err
    assert password not in err

    code, out, err = _admin(kube, namespace, data, "initial-password", "--forget")
    assert (code, out) == (0, ""), err
    assert "Deleted" in err
    assert _secret(kube, namespace) is None
    code, out, err = _admin(kube, namespace, data, "initial-password")
    assert (code, out) == (1, "")
    assert "forgotten" in err
    assert _logs_in(data, password)


def test_reset_password_makes_a_new_secret_and_the_old_password_fails(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    old = _first_start(kube, namespace, data)
    code, out, err = _admin(kube, namespace, data, "reset-password")
    assert code == 0, err
    new = out.strip()
    assert new != old
    assert new not in err
    assert _kept(kube, namespace) == new
    assert _logs_in(data, new)
    assert not _logs_in(data, old)
    assert _admin(kube, namespace, data, "initial-password")[1] == new + "\n"


def test_changing_the_password_deletes_the_secret(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    password = _first_start(kube, namespace, data)
    with Access(data, plaintext=_keeper(kube, namespace)) as access:
        assert access.change_password(ADMIN_USER, password, "a long password of my own")
    assert _secret(kube, namespace) is None
    code, out, err = _admin(kube, namespace, data, "initial-password")
    assert (code, out) == (1, "")
    assert "changed" in err


def test_a_secret_deleted_by_hand_says_how_to_recover(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _first_start(kube, namespace, data)
    assert _keeper(kube, namespace).remove()
    code, out, err = _admin(kube, namespace, data, "initial-password")
    assert (code, out) == (1, "")
    assert f"no longer in Secret {namespace}/{SECRET_NAME}" in err
    assert "reset-password" in err


def test_another_data_dir_never_overwrites_the_secret(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    password = _first_start(kube, namespace, tmp_path / "data")
    for command in ("initial-password", "reset-password"):
        code, out, err = _admin(kube, namespace, tmp_path / "elsewhere", command)
        assert (code, out) == (2, ""), err
        assert "--data-dir" in err
        assert "Traceback" not in err
    assert _kept(kube, namespace) == password
    assert not (tmp_path / "elsewhere").exists()


def _nowhere(tmp_path: Path) -> Path:
    path = tmp_path / "nowhere.yaml"
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    return path


def test_an_unreachable_cluster_is_one_line_and_changes_nothing(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    password = _first_start(kube, namespace, data)
    nowhere = _nowhere(tmp_path)
    for command in ("initial-password", "reset-password"):
        args = ["admin", command, "--kubeconfig", str(nowhere), "-n", namespace]
        result = runner.invoke(
            app, args, env={"XDG_DATA_HOME": str(tmp_path / "share")}, terminal_width=200
        )
        # No store in the default data dir: refused before any cluster is asked.
        assert result.exit_code == 2, result.stderr
        result = runner.invoke(app, [*args, "--data-dir", str(data)], terminal_width=200)
        assert (result.exit_code, result.stdout) == (1, ""), result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: Secret {namespace}/{SECRET_NAME}: ")
        assert "cannot reach" in lines[0]
    assert _logs_in(data, password)
    assert _kept(kube, namespace) == password


def test_a_first_start_that_cannot_keep_the_password_leaves_no_admin(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    nowhere = _nowhere(tmp_path)
    where = ["--kubeconfig", str(nowhere), "-n", namespace, "--data-dir", str(data)]
    result = runner.invoke(
        app,
        ["server", "--backend", "kubernetes", *where, "--address", "127.0.0.1:0"],
        terminal_width=200,
    )
    assert result.exit_code == 1, result.output
    assert "cannot reach the API server" in result.stderr
    assert "Traceback" not in result.stderr
    store = AuthStore(data / STORE_FILE)
    try:
        assert store.user(ADMIN_USER) is None
    finally:
        store.close()
    # So the next start, with the cluster in reach, generates a password that can be read.
    password = _first_start(kube, namespace, data)
    assert _kept(kube, namespace) == password
    assert _logs_in(data, password)
