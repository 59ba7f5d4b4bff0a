from __future__ import annotations

import sqlite3

import pytest

from seaway.api.auth import ADMIN_USER, Access, AuditLog, Outcome

from .conftest import FakeClock


def test_append_and_query(access: Access, clock: FakeClock) -> None:
    log = AuditLog(access.store)
    start = clock.now
    log.record("alice", "app.sync", "shop/web", Outcome.SUCCESS, client="10.0.0.1")
    clock.advance(10)
    log.record("bob", "app.delete", "shop/web", Outcome.DENIED, detail={"rule": "default deny"})
    clock.advance(10)
    log.record("alice", "app.sync", "shop/api", Outcome.FAILURE)
    alice = log.query(actor="alice")
    assert [e.target for e in alice] == ["shop/api", "shop/web"]
    assert alice[1].client == "10.0.0.1"
    assert alice[1].at == start
    denied = log.query(outcome=Outcome.DENIED)
    assert [(e.actor, e.detail) for e in denied] == [("bob", {"rule": "default deny"})]
    assert [e.target for e in log.query(action="app.sync", since=start + 5)] == ["shop/api"]
    assert [e.actor for e in log.query(until=start + 5, actor="alice")] == ["alice"]
    assert len(log.query(limit=2, action="app.sync")) == 2


def test_the_log_is_append_only(access: Access) -> None:
    AuditLog(access.store).record("alice", "x", "y", Outcome.SUCCESS)
    with access.store.transaction() as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM audit")
    with access.store.transaction() as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE audit SET outcome = 'success'")
    assert len(AuditLog(access.store).query(actor="alice")) == 1


def test_details_that_name_secrets_are_refused(access: Access) -> None:
    with pytest.raises(ValueError, match="secret"):
        AuditLog(access.store).record(
            "alice", "x", "y", Outcome.SUCCESS, detail={"new_password": "..."}
        )


def test_access_records_every_change(access: Access) -> None:
    password = access.initial_password().password
    assert password is not None
    access.login(ADMIN_USER, "wrong password!", "10.0.0.9")
    access.login(ADMIN_USER, password, "10.0.0.9")
    access.reset_admin_password("cli:root")
    access.forget_initial_password("cli:root")
    entries = access.audit.query(limit=1000)
    actions = [(e.action, e.outcome) for e in reversed(entries)]
    assert actions == [
        ("admin.create", Outcome.SUCCESS),
        ("login", Outcome.FAILURE),
        ("login", Outcome.SUCCESS),
        ("admin.reset-password", Outcome.SUCCESS),
        ("admin.initial-password.forget", Outcome.SUCCESS),
    ]
    assert all(password not in repr(e) for e in entries)
