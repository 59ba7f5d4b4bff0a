"""The access store: users (argon2id hashes), API tokens (SHA-256 hashes), the session key and
the audit log, in one SQLite file of its own next to Seaway's store.

The file holds hashes and the session key, so it is created owner-only (0600); SQLite gives its
-wal and -shm files the same mode. Like `seaway.store.sqlite.Store`, one connection is shared
under a lock, every write is one transaction, and a restart finds everything as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from seaway.api.auth.passwords import hash_password
from seaway.api.auth.sessions import new_session_key
from seaway.api.auth.tokens import ApiToken, NewToken, Scope, TokenRequest, new_token, token_digest

Clock = Callable[[], float]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    session_generation INTEGER NOT NULL DEFAULT 1,
    initial_password TEXT NOT NULL,
    created_at REAL NOT NULL,
    password_changed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name ON api_tokens(name)
    WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS server_keys (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    client TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

SESSION_KEY = "session"


class InitialPassword(StrEnum):
    """Where a user's generated password stands."""

    NONE = "none"  # the user chose their own
    AVAILABLE = "available"  # generated; its plaintext may still be shown
    CHANGED = "changed"  # the user replaced it
    FORGOTTEN = "forgotten"  # the admin said the plaintext is no longer needed


class TokenError(ValueError):
    """A token that cannot be made or found; never quotes a token secret."""


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    session_generation: int
    initial_password: InitialPassword
    created_at: float
    password_changed_at: float

    def __repr__(self) -> str:
        # The hash is not the password, but there is no reason to hand it to a log.
        return f"User(name={self.name!r}, initial_password={self.initial_password.value!r})"


class AuthStore:
    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Made owner-only before SQLite opens it, so it is never readable by others, even
        # for an instant.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        path.chmod(0o600)
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows (revoked tokens' hashes, old passwords' hashes) are overwritten.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    # -- users -------------------------------------------------------------------------------

    def user(self, name: str) -> User | None:
        with self.reading() as db:
            row = db.execute(
                "SELECT name, password_hash, session_generation, initial_password, created_at,"
                " password_changed_at FROM users WHERE name = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        return User(row[0], row[1], int(row[2]), InitialPassword(row[3]), row[4], row[5])

    def create_user(self, name: str, password: str, initial: InitialPassword) -> bool:
        """Add a user unless one of that name exists; whether it was added."""
        password_hash = hash_password(password)
        now = self.clock()
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO users(name, password_hash, initial_password, created_at,"
                " password_changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING",
                (name, password_hash, initial.value, now, now),
            )
            return cursor.rowcount == 1

    def set_password(self, name: str, password: str, initial: InitialPassword) -> User:
        """Replace a user's password and end their sessions (the generation moves)."""
        password_hash = hash_password(password)
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE users SET password_hash = ?, initial_password = ?,"
                " password_changed_at = ?, session_generation = session_generation + 1"
                " WHERE name = ?",
                (password_hash, initial.value, self.clock(), name),
            )
            if cursor.rowcount != 1:
                raise KeyError(name)
        return self._must_user(name)

    def rehash(self, name: str, old_hash: str, new_hash: str) -> None:
        """Store a stronger hash of the same password, unless it changed meanwhile."""
        with self.transaction() as db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?",
                (new_hash, name, old_hash),
            )

    def remove_user(self, name: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM users WHERE name = ?", (name,))

    def set_initial_state(self, name: str, state: InitialPassword) -> None:
        with self.transaction() as db:
            db.execute("UPDATE users SET initial_password = ? WHERE name = ?", (state.value, name))

    def _must_user(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise KeyError(name)
        return user

    # -- keys --------------------------------------------------------------------------------

    def session_key(self) -> bytes:
        """The key that signs sessions, made on first use; replacing it ends every session."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO server_keys(name, value, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO NOTHING",
                (SESSION_KEY, new_session_key(), self.clock()),
            )
            row = db.execute(
                "SELECT value FROM server_keys WHERE name = ?", (SESSION_KEY,)
            ).fetchone()
        return bytes(row[0])

    # -- API tokens --------------------------------------------------------------------------

    def create_token(self, request: TokenRequest, created_by: str) -> NewToken:
        secret = new_token()
        now = self.clock()
        seconds = request.expiry_seconds()
        expires_at = None if seconds is None else now + seconds
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO api_tokens(name, token_sha256, created_by, scopes, created_at,"
                    " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        request.name,
                        token_digest(secret),
                        created_by,
                        json.dumps([s.value for s in request.scopes]),
                        now,
                        expires_at,
                    ),
                )
        except sqlite3.IntegrityError:
            raise TokenError(
                f"a token named {request.name!r} exists; revoke it first or pick another name"
            ) from None
        record = ApiToken(request.name, created_by, request.scopes, now, expires_at, None, None)
        return NewToken(record, secret)

    def tokens(self, include_revoked: bool = False) -> list[ApiToken]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT name, created_by, scopes, created_at, expires_at, last_used_at,"
                " revoked_at FROM api_tokens WHERE revoked_at IS NULL OR ?"
                " ORDER BY name, created_at",
                (include_revoked,),
            ).fetchall()
        return [_token(row) for row in rows]

    def revoke_token(self, name: str) -> ApiToken:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (self.clock(), name),
            )
            if cursor.rowcount != 1:
                raise TokenError(f"no live token named {name!r}")
            row = db.execute(
                "SELECT name, created_by, scopes, created_at, expires_at, last_used_at,"
                " revoked_at FROM api_tokens WHERE name = ? ORDER BY revoked_at DESC LIMIT 1",
                (name,),
            ).fetchone()
        return _token(row)

    def find_token(self, secret: str) -> ApiToken | None:
        """The token whose secret this is (revoked and expired ones too: the caller says
        why it is refused), marking it used. Found by hash: equality on a SHA-256 of 256
        random bits leaks nothing worth a constant-time compare."""
        digest = token_digest(secret)
        now = self.clock()
        with self.transaction() as db:
            db.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE token_sha256 = ?"
                " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                (now, digest, now),
            )
            row = db.execute(
                "SELECT name, created_by, scopes, created_at, expires_at, last_used_at,"
                " revoked_at FROM api_tokens WHERE token_sha256 = ?",
                (digest,),
            ).fetchone()
        return None if row is None else _token(row)


def _token(row: tuple[Any, ...]) -> ApiToken:
    name, created_by, scopes, created_at, expires_at, last_used_at, revoked_at = row
    return ApiToken(
        name=str(name),
        created_by=str(created_by),
        scopes=tuple(Scope(s) for s in json.loads(str(scopes))),
        created_at=float(created_at),
        expires_at=None if expires_at is None else float(expires_at),
        last_used_at=None if last_used_at is None else float(last_used_at),
        revoked_at=None if revoked_at is None else float(revoked_at),
    )
