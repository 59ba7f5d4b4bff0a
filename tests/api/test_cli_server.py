"""`seaway server`, `seaway login` and `seaway app ... --server` as a person runs them: real
processes, a real Git repo, the local backend; SIGTERM stops the server gracefully."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.api.live import application, configmap
from tests.gitrepo import Upstream

SEAWAY = str(Path(sys.executable).with_name("seaway"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "200",
    }


def seaway(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEAWAY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.fixture
def server(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    upstream = Upstream(tmp_path / "upstream")
    upstream.commit({"app/config.yaml": configmap("settings", version="v1")})
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "web.yaml").write_text(yaml.safe_dump(application("web", "default", upstream.url)))
    data = tmp_path / "data"
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen(
        [
            SEAWAY,
            "server",
            "--apps",
            str(apps),
            "--data-dir",
            str(data),
            "--address",
            "127.0.0.1:0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            found = re.search(r"listening on (http://\S+)", Path(log.name).read_text())
            url = found.group(1) if found else ""
        assert url, Path(log.name).read_text()
        yield url, data
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, Path(log.name).read_text()
        output = Path(log.name).read_text()
        assert "seaway server: stopped" in output
        assert "Traceback" not in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def test_login_then_app_commands_through_the_server(
    server: tuple[str, Path], env: dict[str, str], tmp_path: Path
) -> None:
    url, data = server
    password = seaway(env, "admin", "initial-password", "--data-dir", str(data))
    assert password.returncode == 0, password.stderr
    bad = seaway(env, "login", "--server", url, stdin="not the password\n")
    assert bad.returncode == 1
    assert "login refused: wrong username or password" in bad.stderr
    done = seaway(env, "login", "--server", url, "--username", "admin", stdin=password.stdout)
    assert done.returncode == 0, done.stderr
    config = tmp_path / "config" / "seaway" / "config.yaml"
    assert config.stat().st_mode & 0o777 == 0o600
    assert yaml.safe_load(config.read_text())["servers"][url]["username"] == "admin"

    listed = seaway(env, "app", "list", "--server", url, "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert [a["name"] for a in json.loads(listed.stdout)] == ["web"]

    synced = seaway(env, "app", "sync", "web", "--server", url, "--timeout", "60")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "sync Succeeded" in synced.stdout
    table = seaway(env, "app", "list", "--server", url)
    assert re.search(r"web\W+default\W+Synced\W+Healthy", table.stdout), table.stdout
    got = seaway(env, "app", "get", "web", "--server", url)
    assert "ConfigMap" in got.stdout
    diff = seaway(env, "app", "diff", "web", "--server", url)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    history = seaway(env, "app", "history", "web", "--server", url)
    assert re.search(r"^\W*0\W", history.stdout, re.MULTILINE), history.stdout
    assert seaway(env, "app", "refresh", "web", "--server", url).returncode == 0
    rolled = seaway(env, "app", "rollback", "web", "0", "--server", url, "--timeout", "60")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    missing = seaway(env, "app", "get", "nope", "--server", url)
    assert missing.returncode == 1
    assert "no Application 'nope'" in missing.stderr

    # Without a login, the server refuses and the CLI says how to log in.
    anonymous = {**env, "XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}
    refused = seaway(anonymous, "app", "list", "--server", url)
    assert refused.returncode == 2
    assert f"seaway login --server {url}" in refused.stderr
    forged = seaway(anonymous, "app", "list", "--server", url, "--token", "swt_forged")
    assert forged.returncode == 1
    assert "unknown API token" in forged.stderr


def test_bad_configuration_is_refused_before_starting(tmp_path: Path, env: dict[str, str]) -> None:
    policy = tmp_path / "policy.csv"
    policy.write_text("p, role:x, applications, fly, */*, allow\n")
    done = seaway(env, "server", "--apps", str(tmp_path), "--rbac-policy", str(policy))
    assert done.returncode == 2
    assert f"{policy}:1:" in done.stderr
    notify = tmp_path / "notify.yaml"
    notify.write_text("subscriptions: [{triggers: [on-degraded], destinations: [nowhere]}]\n")
    done = seaway(env, "server", "--apps", str(tmp_path), "--notifications", str(notify))
    assert done.returncode == 2
    assert "no destination named 'nowhere'" in done.stderr
    done = seaway(env, "server", "--apps", str(tmp_path), "--address", "localhost")
    assert done.returncode == 2
    assert "--address must be HOST:PORT" in done.stderr
