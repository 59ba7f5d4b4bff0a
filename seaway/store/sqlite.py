"""Seaway's own store in SQLite: Applications and AppProjects that come from files (the local
backend has no API server to hold them), with the status Seaway writes for them.

Records keep the shape of Kubernetes objects (metadata.generation, uid, resourceVersion), so the
controller treats an app from a file exactly as one from a cluster. Every write is one
transaction; a restarted Seaway finds status, history and pending operations as they were.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    generation INTEGER NOT NULL,
    resource_version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '{}',
    operation TEXT,
    finalizers TEXT NOT NULL DEFAULT '[]',
    deleting INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

NAMESPACE = "local"


class Store:
    """One SQLite database; safe to share between threads and coroutines of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _next_version(self, db: sqlite3.Connection) -> int:
        db.execute(
            "INSERT INTO counters(name, value) VALUES ('rv', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1"
        )
        row = db.execute("SELECT value FROM counters WHERE name = 'rv'").fetchone()
        return int(row[0])

    # -- objects -----------------------------------------------------------------------------

    def upsert(self, manifest: Mapping[str, Any], source: str = "") -> tuple[dict[str, Any], bool]:
        """Store what a user wrote (spec and metadata; never status). Returns the object and
        whether its spec changed (the generation moved)."""
        kind = str(manifest["kind"])
        name = str(manifest["metadata"]["name"])
        body = {k: v for k, v in manifest.items() if k not in ("status", "operation")}
        text = json.dumps(body, sort_keys=True)
        with self._tx() as db:
            row = db.execute(
                "SELECT body, generation, uid FROM objects WHERE kind = ? AND name = ?",
                (kind, name),
            ).fetchone()
            if row is not None and row[0] == text:
                changed = False
            else:
                version = self._next_version(db)
                if row is None:
                    db.execute(
                        "INSERT INTO objects(kind, name, uid, generation, resource_version, body,"
                        " source, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                        (kind, name, str(uuid.uuid4()), version, text, source, time.time()),
                    )
                else:
                    db.execute(
                        "UPDATE objects SET body = ?, generation = generation + 1,"
                        " resource_version = ?, source = ?, updated_at = ?"
                        " WHERE kind = ? AND name = ?",
                        (text, version, source, time.time(), kind, name),
                    )
                changed = True
        got = self.get(kind, name)
        if got is None:
            raise RuntimeError(f"{kind} {name} vanished right after it was written")
        return got, changed

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, uid, generation, resource_version, body, status, operation,"
                " finalizers, deleting FROM objects WHERE kind = ? AND name = ?",
                (kind, name),
            ).fetchone()
        return _object(row) if row is not None else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, uid, generation, resource_version, body, status, operation,"
                " finalizers, deleting FROM objects WHERE kind = ? ORDER BY name",
                (kind,),
            ).fetchall()
        return [_object(row) for row in rows]

    def sources(self, kind: str) -> dict[str, str]:
        """Which file each object came from, by name."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, source FROM objects WHERE kind = ?", (kind,)
            ).fetchall()
        return {str(name): str(source) for name, source in rows}

    def write_status(self, kind: str, name: str, status: Mapping[str, Any]) -> dict[str, Any]:
        return self._update(kind, name, "status = ?", json.dumps(dict(status)))

    def set_operation(
        self, kind: str, name: str, operation: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """A sync request (Argo CD's `operation` field); a new request moves the generation,
        as writing `operation` on a custom resource does, so watchers see it."""
        if operation is None:
            return self._update(kind, name, "operation = ?", None)
        return self._update(
            kind, name, "operation = ?, generation = generation + 1", json.dumps(dict(operation))
        )

    def set_finalizers(self, kind: str, name: str, finalizers: list[str]) -> dict[str, Any]:
        return self._update(kind, name, "finalizers = ?", json.dumps(finalizers))

    def delete(self, kind: str, name: str) -> bool:
        """Delete, or with finalizers left, mark as being deleted (as the API server does)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT finalizers FROM objects WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()
            if row is None:
                return False
            if json.loads(row[0]):
                version = self._next_version(db)
                db.execute(
                    "UPDATE objects SET deleting = 1, generation = generation + 1,"
                    " resource_version = ? WHERE kind = ? AND name = ?",
                    (version, kind, name),
                )
            else:
                db.execute("DELETE FROM objects WHERE kind = ? AND name = ?", (kind, name))
        return True

    def _update(self, kind: str, name: str, assignment: str, value: object) -> dict[str, Any]:
        with self._tx() as db:
            version = self._next_version(db)
            cursor = db.execute(
                f"UPDATE objects SET {assignment}, resource_version = ?, updated_at = ?"  # noqa: S608 - fixed column names
                " WHERE kind = ? AND name = ?",
                (value, version, time.time(), kind, name),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"no {kind} {name!r}")
            if assignment.startswith("finalizers") and value == "[]":
                db.execute(
                    "DELETE FROM objects WHERE kind = ? AND name = ? AND deleting = 1",
                    (kind, name),
                )
        got = self.get(kind, name)
        if got is None:
            # Removing the last finalizer of an object being deleted deletes it.
            return {}
        return got


def _object(row: tuple[Any, ...]) -> dict[str, Any]:
    name, uid, generation, version, body, status, operation, finalizers, deleting = row
    obj: dict[str, Any] = json.loads(body)
    meta = obj.setdefault("metadata", {})
    meta.update(
        {
            "name": name,
            "namespace": NAMESPACE,
            "uid": uid,
            "generation": generation,
            "resourceVersion": str(version),
        }
    )
    found = json.loads(finalizers)
    if found:
        meta["finalizers"] = found
    if deleting:
        meta["deletionTimestamp"] = "deleting"
    obj["status"] = json.loads(status)
    if operation:
        obj["operation"] = json.loads(operation)
    return obj
