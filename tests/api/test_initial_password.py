from __future__ import annotations

import stat
from pathlib import Path

import pytest

from seaway.api.auth import (
    ADMIN_USER,
    INITIAL_PASSWORD_FILE,
    STORE_FILE,
    Access,
    AuthenticationError,
    InitialPassword,
)

from .conftest import FakeClock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_generates_a_password_kept_only_as_a_hash(
    access: Access, tmp_path: Path
) -> None:
    status = access.initial_password()
    assert status.state is InitialPassword.AVAILABLE
    assert status.password is not None
    assert len(status.password) >= 32
    assert status.password not in repr(status)
    data = tmp_path / "data"
    assert _mode(data / INITIAL_PASSWORD_FILE) == 0o600
    assert _mode(data / STORE_FILE) == 0o600
    for name in (STORE_FILE, f"{STORE_FILE}-wal"):
        if (data / name).exists():
            assert status.password.encode() not in (data / name).read_bytes()
    admin = access.store.user(ADMIN_USER)
    assert admin is not None
    assert admin.password_hash.startswith("$argon2id$")
    assert admin.password_hash not in repr(admin)
    assert access.login(ADMIN_USER, status.password, "127.0.0.1").ok


def test_second_start_keeps_the_first_password(tmp_path: Path, clock: FakeClock) -> None:
    with Access(tmp_path, clock=clock) as first:
        password = first.initial_password().password
    with Access(tmp_path, clock=clock) as second:
        assert second.initial_password().password == password


def test_reset_replaces_the_password_and_the_old_one_fails(access: Access) -> None:
    old = access.initial_password().password
    assert old is not None
    session = access.login(ADMIN_USER, old, "10.0.0.1").session
    assert session is not None
    new = access.reset_admin_password("cli:test")
    assert new != old
    assert access.initial_password().password == new
    assert not access.login(ADMIN_USER, old, "10.0.0.1").ok
    assert access.login(ADMIN_USER, new, "10.0.0.1").ok
    with pytest.raises(AuthenticationError, match="session ended"):
        access.authenticate(session)


def test_changing_the_password_removes_the_plaintext(access: Access, tmp_path: Path) -> None:
    old = access.initial_password().password
    assert old is not None
    assert access.change_password(ADMIN_USER, old, "my own long password")
    assert not (tmp_path / "data" / INITIAL_PASSWORD_FILE).exists()
    status = access.initial_password()
    assert status.state is InitialPassword.CHANGED
    assert status.password is None
    assert "changed" in status.describe()
    assert access.login(ADMIN_USER, "my own long password", "::1").ok


def test_a_wrong_current_password_changes_nothing(access: Access) -> None:
    assert not access.change_password(ADMIN_USER, "not the password", "my own long password")
    assert access.initial_password().state is InitialPassword.AVAILABLE


def test_forget_removes_the_plaintext_but_not_the_password(access: Access, tmp_path: Path) -> None:
    password = access.initial_password().password
    assert password is not None
    assert access.forget_initial_password("cli:test")
    assert not (tmp_path / "data" / INITIAL_PASSWORD_FILE).exists()
    assert access.initial_password().state is InitialPassword.FORGOTTEN
    assert access.login(ADMIN_USER, password, "::1").ok
    assert not access.forget_initial_password("cli:test")


def test_a_stale_plaintext_file_is_never_shown(access: Access, tmp_path: Path) -> None:
    # A crash between the hash changing and the file going leaves a file that opens nothing.
    (tmp_path / "data" / INITIAL_PASSWORD_FILE).write_text("not-the-password-at-all\n")
    status = access.initial_password()
    assert status.password is None
    assert status.state is InitialPassword.CHANGED
    assert not (tmp_path / "data" / INITIAL_PASSWORD_FILE).exists()


def test_a_lost_plaintext_file_says_how_to_recover(access: Access, tmp_path: Path) -> None:
    (tmp_path / "data" / INITIAL_PASSWORD_FILE).unlink()
    status = access.initial_password()
    assert status.password is None
    assert "reset-password" in status.describe()
