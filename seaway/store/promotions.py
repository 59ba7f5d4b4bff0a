"""Approvals and the history of promotions, in SQLite beside the rest of Seaway's state.

Who approved which release into which stage and when; every promotion with its release, commit
(or pull request), author and approvers; when a stage was first seen Healthy at a revision (soak
time counts from there); and where the pipeline stopped on a failed check, so it does not carry
that release on by itself.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    release TEXT NOT NULL,
    user TEXT NOT NULL,
    roles TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (pipeline, stage, release, user)
);
CREATE TABLE IF NOT EXISTS promotions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    release TEXT NOT NULL,
    label TEXT NOT NULL,
    images TEXT NOT NULL,
    revcommit TEXT,
    pull_request TEXT NOT NULL DEFAULT '',
    by TEXT NOT NULL,
    approvers TEXT NOT NULL,
    automatic INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stage_health (
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    revision TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (pipeline, stage)
);
CREATE TABLE IF NOT EXISTS stops (
    pipeline TEXT NOT NULL,
    stage TEXT NOT NULL,
    release TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (pipeline, stage, release)
);
"""


@dataclass(frozen=True)
class ApprovalRecord:
    pipeline: str
    stage: str
    release: str
    user: str
    roles: tuple[str, ...]
    at: dt.datetime


@dataclass(frozen=True)
class PromotionRecord:
    pipeline: str
    source: str
    target: str
    release: str
    label: str
    images: tuple[str, ...]
    commit: str | None
    by: str
    at: dt.datetime
    approvers: tuple[str, ...] = ()
    automatic: bool = False
    pull_request: str = ""
    id: int = field(default=0, compare=False)


@dataclass(frozen=True)
class StopRecord:
    pipeline: str
    stage: str
    release: str
    reason: str
    at: dt.datetime


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class PromotionStore:
    """One SQLite file (Seaway's own database file may be shared: the tables are apart)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
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

    # -- approvals ---------------------------------------------------------------------------

    def approve(self, record: ApprovalRecord) -> bool:
        """Record an approval; False if this user had already approved this release."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO approvals VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.pipeline,
                    record.stage,
                    record.release,
                    record.user,
                    json.dumps(list(record.roles)),
                    record.at.isoformat(),
                ),
            )
            return cursor.rowcount == 1

    def approvals(self, pipeline: str, stage: str, release: str) -> list[ApprovalRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT pipeline, stage, release, user, roles, at FROM approvals "
                "WHERE pipeline = ? AND stage = ? AND release = ? ORDER BY at, user",
                (pipeline, stage, release),
            ).fetchall()
        return [
            ApprovalRecord(p, s, r, u, tuple(json.loads(roles)), _time(at))
            for p, s, r, u, roles, at in rows
        ]

    # -- promotions --------------------------------------------------------------------------

    def record_promotion(self, record: PromotionRecord) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO promotions (pipeline, source, target, release, label, images, "
                "revcommit, pull_request, by, approvers, automatic, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.pipeline,
                    record.source,
                    record.target,
                    record.release,
                    record.label,
                    json.dumps(list(record.images)),
                    record.commit,
                    record.pull_request,
                    record.by,
                    json.dumps(list(record.approvers)),
                    int(record.automatic),
                    record.at.isoformat(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def promotions(self, pipeline: str, target: str | None = None) -> list[PromotionRecord]:
        """Newest first."""
        query = (
            "SELECT id, pipeline, source, target, release, label, images, revcommit, "
            "pull_request, by, approvers, automatic, at FROM promotions WHERE pipeline = ?"
        )
        args: tuple[str, ...] = (pipeline,)
        if target is not None:
            query += " AND target = ?"
            args += (target,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id DESC", args).fetchall()
        return [
            PromotionRecord(
                pipeline=row[1],
                source=row[2],
                target=row[3],
                release=row[4],
                label=row[5],
                images=tuple(json.loads(row[6])),
                commit=row[7],
                pull_request=row[8],
                by=row[9],
                approvers=tuple(json.loads(row[10])),
                automatic=bool(row[11]),
                at=_time(row[12]),
                id=row[0],
            )
            for row in rows
        ]

    # -- stage health and stops --------------------------------------------------------------

    def healthy_since(
        self, pipeline: str, stage: str, revision: str, now: dt.datetime | None
    ) -> dt.datetime | None:
        """When the stage was first seen Healthy at `revision`. With `now`, the stage is
        Healthy now (recorded if new); with None, it is not (the record goes)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT revision, since FROM stage_health WHERE pipeline = ? AND stage = ?",
                (pipeline, stage),
            ).fetchone()
            if now is None:
                db.execute(
                    "DELETE FROM stage_health WHERE pipeline = ? AND stage = ?", (pipeline, stage)
                )
                return None
            if row is not None and row[0] == revision:
                return _time(row[1])
            db.execute(
                "INSERT OR REPLACE INTO stage_health VALUES (?, ?, ?, ?)",
                (pipeline, stage, revision, now.isoformat()),
            )
            return now

    def seen_healthy(self, pipeline: str, stage: str, revision: str) -> dt.datetime | None:
        with self._lock:
            row = self._db.execute(
                "SELECT since FROM stage_health WHERE pipeline = ? AND stage = ? AND revision = ?",
                (pipeline, stage, revision),
            ).fetchone()
        return _time(row[0]) if row else None

    def stop(self, record: StopRecord) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO stops VALUES (?, ?, ?, ?, ?)",
                (
                    record.pipeline,
                    record.stage,
                    record.release,
                    record.reason,
                    record.at.isoformat(),
                ),
            )

    def stopped(self, pipeline: str, stage: str, release: str) -> StopRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT reason, at FROM stops WHERE pipeline = ? AND stage = ? AND release = ?",
                (pipeline, stage, release),
            ).fetchone()
        return StopRecord(pipeline, stage, release, row[0], _time(row[1])) if row else None
