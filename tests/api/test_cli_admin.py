from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from seaway.api.auth import ADMIN_USER, INITIAL_PASSWORD_FILE, STORE_FILE, Access
from seaway.cli.main import app

SEAWAY = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "seaway"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["admin", *args], terminal_width=200)
    return result.exit_code, result.stdout, result.stderr


def test_initial_password_is_printed_alone_on_stdout(tmp_path: Path) -> None:
    code, out, err = _run("initial-password", "--data-dir", str(tmp_path))
    assert code == 0, err
    password = out.strip()
    assert out == password + "\n"
    assert password not in err
    assert "--forget" in err
    with Access(tmp_path) as access:
        assert access.login(ADMIN_USER, password, "cli").ok


def test_reset_then_forget(tmp_path: Path) -> None:
    first = _run("initial-password", "--data-dir", str(tmp_path))[1].strip()
    code, out, err = _run("reset-password", "--data-dir", str(tmp_path))
    assert code == 0, err
    new = out.strip()
    assert new != first
    assert new not in err
    assert _run("initial-password", "--data-dir", str(tmp_path))[1].strip() == new
    code, out, err = _run("initial-password", "--forget", "--data-dir", str(tmp_path))
    assert (code, out) == (0, "")
    assert "Deleted" in err
    assert not (tmp_path / INITIAL_PASSWORD_FILE).exists()
    code, out, err = _run("initial-password", "--data-dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert "forgotten" in err
    assert new not in err


def test_changed_password_is_reported(tmp_path: Path) -> None:
    password = _run("initial-password", "--data-dir", str(tmp_path))[1].strip()
    with Access(tmp_path) as access:
        assert access.change_password(ADMIN_USER, password, "a new long password")
    code, out, err = _run("initial-password", "--data-dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert "changed" in err


def test_tokens_create_list_revoke(tmp_path: Path) -> None:
    d = ("--data-dir", str(tmp_path))
    code, out, err = _run(
        "token",
        "create",
        "ci",
        "--scope",
        "apps:read",
        "--scope",
        "apps:sync",
        "--expires",
        "30d",
        *d,
    )
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("swt_")
    assert secret not in err
    assert "not shown again" in err
    code, out, err = _run("token", "list", *d)
    assert code == 0, err
    assert "ci" in out
    assert "apps:read,apps:sync" in out
    assert "active" in out
    assert secret not in out + err
    assert _run("token", "create", "ci", "--scope", "admin", *d)[0] == 1
    assert _run("token", "revoke", "ci", *d)[0] == 0
    assert "ci" not in _run("token", "list", *d)[1]
    assert "revoked" in _run("token", "list", "--all", *d)[1]
    code, _, err = _run("token", "revoke", "ci", *d)
    assert code == 1
    assert "no live token" in err


def test_token_input_errors(tmp_path: Path) -> None:
    d = ("--data-dir", str(tmp_path))
    code, _, err = _run("token", "create", "bad name", "--scope", "admin", *d)
    assert code == 2
    assert "token name" in err
    code, _, err = _run("token", "create", "ci", "--scope", "admin", "--expires", "soon", *d)
    assert code == 2
    assert "invalid expiry" in err
    assert _run("token", "create", "ci", "--scope", "root", *d)[0] == 2
    code, _, err = _run("token", "create", "ci", "--scope", "admin", "--user", "zed", *d)
    assert code == 2
    assert "no user named 'zed'" in err


def test_can_explains_the_decision(tmp_path: Path) -> None:
    policy = tmp_path / "policy.csv"
    policy.write_text("g, team-a, role:deployer:team-a\np, bob, applications, sync, */*, deny\n")
    code, out, _ = _run("can", "admin", "delete", "clusters", "c1")
    assert code == 0
    assert out.startswith("yes: allowed by p, role:admin, *, *, *, allow")
    code, out, _ = _run(
        "can",
        "alice",
        "sync",
        "applications",
        "team-a/web",
        "--policy",
        str(policy),
        "--group",
        "team-a",
    )
    assert code == 0
    assert "role:deployer:team-a" in out
    code, out, _ = _run(
        "can",
        "bob",
        "sync",
        "applications",
        "team-a/web",
        "--policy",
        str(policy),
        "--group",
        "team-a",
    )
    assert code == 1
    assert f"no: denied by p, bob, applications, sync, */*, deny ({policy}:2)" in out
    code, out, _ = _run("can", "carol", "get", "applications", "a/b", "--default", "role:readonly")
    assert code == 0
    assert "policy.default -> role:readonly" in out


def test_can_reports_policy_errors_by_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.csv"
    policy.write_text("p, a, applications, get, */*, allow\np, a, apps, get, */*, allow\ng, x\n")
    code, out, err = _run("can", "a", "get", "applications", "a/b", "--policy", str(policy))
    assert (code, out) == (2, "")
    assert f"{policy}:2: unknown resource 'apps'" in err
    assert f"{policy}:3: a 'g' line has 3 fields" in err
    code, _, err = _run(
        "can", "a", "get", "applications", "a/b", "--policy", str(tmp_path / "missing.csv")
    )
    assert code == 2
    assert "cannot read" in err


def test_admin_is_no_longer_listed_as_not_built() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    help_text = result.output
    commands, _, not_built = help_text.partition("Not built yet")
    assert "admin" in commands
    assert " admin " not in not_built


def test_the_real_command_keeps_secrets_where_they_belong(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}

    def seaway(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SEAWAY), "admin", *args], capture_output=True, text=True, env=env, check=False
        )

    first = seaway("initial-password")
    assert first.returncode == 0, first.stderr
    password = first.stdout.strip()
    data = tmp_path / "xdg" / "seaway"
    assert (data / INITIAL_PASSWORD_FILE).read_text().strip() == password
    assert oct((data / INITIAL_PASSWORD_FILE).stat().st_mode & 0o777) == "0o600"
    reset = seaway("reset-password")
    assert reset.returncode == 0, reset.stderr
    new_password = reset.stdout.strip()
    token = seaway("token", "create", "deploy", "--scope", "promote", "--expires", "7d")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    listed = seaway("token", "list")
    forgot = seaway("initial-password", "--forget")
    after = seaway("initial-password")
    assert after.returncode == 1
    # Each secret may appear once: on the stdout of the command that exists to show it.
    shown_by = {password: first, new_password: reset, secret: token}
    for value, shower in shown_by.items():
        for done in (first, reset, token, listed, forgot, after):
            assert value not in done.stderr
            if done is not shower:
                assert value not in done.stdout
    with Access(data) as access:
        assert not access.login(ADMIN_USER, password, "t").ok
        assert access.login(ADMIN_USER, new_password, "t").ok
        assert access.authenticate(secret).token_name == "deploy"
    stored = b"".join(p.read_bytes() for p in data.glob(f"{STORE_FILE}*"))
    for value in (password, new_password, secret):
        assert value.encode() not in stored
    with sqlite3.connect(data / STORE_FILE) as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit ORDER BY id")]
    db.close()
    assert actions == [
        "admin.create",
        "admin.reset-password",
        "token.create",
        "admin.initial-password.forget",
        "login",
        "login",
    ]
