"""The local backend's state in SQLite: the objects applied to this host and the replicas
started for them, so a restarted Seaway finds its processes again (or restarts them)."""

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
"""


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


class LocalState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
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
                "INSERT INTO replicas VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(namespace, "
                "name) DO UPDATE SET owner = excluded.owner, template_hash = "
                "excluded.template_hash, pid = excluded.pid, start_ticks = excluded.start_ticks,"
                " cmdline = excluded.cmdline, host_ports = excluded.host_ports",
                (
                    record.namespace,
                    record.name,
                    record.owner,
                    record.template_hash,
                    record.pid,
                    record.start_ticks,
                    json.dumps(list(record.cmdline)),
                    json.dumps({str(k): v for k, v in record.host_ports.items()}),
                ),
            )

    def drop_replica(self, namespace: str, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM replicas WHERE namespace = ? AND name = ?", (namespace, name))

    def replicas(self) -> list[ReplicaRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT namespace, name, owner, template_hash, pid, start_ticks, cmdline, "
                "host_ports FROM replicas"
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
            )
            for row in rows
        ]
