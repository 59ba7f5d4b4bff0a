"""The local backend's state in SQLite: the objects applied to this host and the replicas
started for them, so a restarted Seaway finds its processes again (or restarts them); the replica
sets a rollout asked for and the Service overlays it set, which live outside the stored objects so
that they never read as drift; and people's rollout commands, which the CLI queues from another
process."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    api_group TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (api_group, kind, namespace, name)
);
CREATE TABLE IF NOT EXISTS replicas (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    template_hash TEXT NOT NULL,
    pid INTEGER,
    start_ticks INTEGER,
    cmdline TEXT,
    host_ports TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS replica_sets (
    namespace TEXT NOT NULL,
    owner TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (namespace, owner, hash)
);
CREATE TABLE IF NOT EXISTS service_overlays (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS rollout_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    command TEXT NOT NULL
);
"""

# Columns added after the first release of a table: (table, column, declaration).
MIGRATIONS = (("replicas", "owner_kind", "TEXT NOT NULL DEFAULT 'Deployment'"),)


@dataclass(frozen=True)
class ReplicaRecord:
    namespace: str
    name: str
    owner: str
    template_hash: str
    pid: int | None
    start_ticks: int | None
    cmdline: tuple[str, ...]
    host_ports: dict[int, int]
    # A Deployment's replicas, or a Rollout's (kept per pod-template hash in `replica_sets`).
    owner_kind: str = "Deployment"


class LocalState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        for table, column, declaration in MIGRATIONS:
            columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

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

    def next_version(self) -> int:
        with self._tx() as db:
            db.execute(
                "INSERT INTO counters(name, value) VALUES ('rv', 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1"
            )
            return int(db.execute("SELECT value FROM counters WHERE name = 'rv'").fetchone()[0])

    def put(self, group: str, kind: str, namespace: str, name: str, obj: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO objects VALUES (?, ?, ?, ?, ?) ON CONFLICT(api_group, kind, "
                "namespace, name) DO UPDATE SET body = excluded.body",
                (group, kind, namespace, name, json.dumps(obj)),
            )

    def remove(self, group: str, kind: str, namespace: str, name: str) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM objects WHERE api_group = ? AND kind = ? AND namespace = ? "
                "AND name = ?",
                (group, kind, namespace, name),
            )
            return cursor.rowcount > 0

    def objects(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM objects").fetchall()
        return [json.loads(row[0]) for row in rows]

    def save_replica(self, record: ReplicaRecord) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO replicas(namespace, name, owner, template_hash, pid, start_ticks, "
                "cmdline, host_ports, owner_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(namespace, name) DO UPDATE SET owner = excluded.owner, "
                "template_hash = excluded.template_hash, pid = excluded.pid, start_ticks = "
                "excluded.start_ticks, cmdline = excluded.cmdline, host_ports = "
                "excluded.host_ports, owner_kind = excluded.owner_kind",
                (
                    record.namespace,
                    record.name,
                    record.owner,
                    record.template_hash,
                    record.pid,
                    record.start_ticks,
                    json.dumps(list(record.cmdline)),
                    json.dumps({str(k): v for k, v in record.host_ports.items()}),
                    record.owner_kind,
                ),
            )

    def drop_replica(self, namespace: str, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM replicas WHERE namespace = ? AND name = ?", (namespace, name))

    def replicas(self) -> list[ReplicaRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT namespace, name, owner, template_hash, pid, start_ticks, cmdline, "
                "host_ports, owner_kind FROM replicas"
            ).fetchall()
        return [
            ReplicaRecord(
                namespace=row[0],
                name=row[1],
                owner=row[2],
                template_hash=row[3],
                pid=row[4],
                start_ticks=row[5],
                cmdline=tuple(json.loads(row[6] or "[]")),
                host_ports={int(k): int(v) for k, v in json.loads(row[7]).items()},
                owner_kind=row[8],
            )
            for row in rows
        ]

    # -- rollouts ----------------------------------------------------------------------------

    def put_replica_set(self, namespace: str, owner: str, hash_: str, body: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO replica_sets VALUES (?, ?, ?, ?) ON CONFLICT(namespace, owner, hash) "
                "DO UPDATE SET body = excluded.body",
                (namespace, owner, hash_, json.dumps(body)),
            )

    def drop_replica_set(self, namespace: str, owner: str, hash_: str) -> None:
        with self._tx() as db:
            db.execute(
                "DELETE FROM replica_sets WHERE namespace = ? AND owner = ? AND hash = ?",
                (namespace, owner, hash_),
            )

    def replica_sets(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT namespace, owner, hash, body FROM replica_sets"
            ).fetchall()
        return [(row[0], row[1], row[2], json.loads(row[3])) for row in rows]

    def put_overlay(self, namespace: str, name: str, body: dict[str, Any] | None) -> None:
        with self._tx() as db:
            if body is None:
                db.execute(
                    "DELETE FROM service_overlays WHERE namespace = ? AND name = ?",
                    (namespace, name),
                )
                return
            db.execute(
                "INSERT INTO service_overlays VALUES (?, ?, ?) ON CONFLICT(namespace, name) "
                "DO UPDATE SET body = excluded.body",
                (namespace, name, json.dumps(body)),
            )

    def overlays(self) -> list[tuple[str, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT namespace, name, body FROM service_overlays").fetchall()
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def give_command(self, namespace: str, name: str, command: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO rollout_commands(namespace, name, command) VALUES (?, ?, ?)",
                (namespace, name, command),
            )

    def take_commands(self, namespace: str, name: str) -> list[str]:
        """The commands queued for one rollout, oldest first; each is returned once."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, command FROM rollout_commands WHERE namespace = ? AND name = ? "
                "ORDER BY id",
                (namespace, name),
            ).fetchall()
            if rows:
                db.execute(
                    "DELETE FROM rollout_commands WHERE namespace = ? AND name = ? AND id <= ?",
                    (namespace, name, rows[-1][0]),
                )
        return [row[1] for row in rows]
