"""The audit log: who did what, to what, when, and how it ended; append-only.

The table refuses UPDATE and DELETE (triggers), so a bug or a stolen API session cannot quietly
rewrite history through Seaway. Details are short strings for people; keys that name a secret
are refused outright, because the log is read by more people than the secrets are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from seaway.api.auth.store import AuthStore

_SECRET_WORDS = ("password", "token", "secret", "key")


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    action: str
    target: str
    outcome: Outcome
    client: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)


class AuditLog:
    def __init__(self, store: AuthStore) -> None:
        self._store = store

    def record(
        self,
        actor: str,
        action: str,
        target: str,
        outcome: Outcome,
        *,
        client: str = "",
        detail: Mapping[str, str] | None = None,
    ) -> AuditEntry:
        details = dict(detail or {})
        for key in details:
            if any(word in key.lower() for word in _SECRET_WORDS):
                raise ValueError(f"audit detail {key!r} names a secret; leave it out")
        at = self._store.clock()
        with self._store.transaction() as db:
            cursor = db.execute(
                "INSERT INTO audit(at, actor, action, target, outcome, client, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, target, outcome.value, client, json.dumps(details)),
            )
            entry_id = int(cursor.lastrowid or 0)
        return AuditEntry(entry_id, at, actor, action, target, outcome, client, details)

    def query(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        outcome: Outcome | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Newest first."""
        clauses: list[str] = []
        values: list[object] = []
        for column, value in (("actor", actor), ("action", action)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if outcome is not None:
            clauses.append("outcome = ?")
            values.append(outcome.value)
        if since is not None:
            clauses.append("at >= ?")
            values.append(since)
        if until is not None:
            clauses.append("at < ?")
            values.append(until)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        values.append(limit)
        # Only fixed column names go into the text; every value is a parameter.
        sql = (
            "SELECT id, at, actor, action, target, outcome, client, detail FROM audit"  # noqa: S608
            f"{where} ORDER BY id DESC LIMIT ?"
        )
        with self._store.reading() as db:
            rows = db.execute(sql, values).fetchall()
        return [
            AuditEntry(
                int(row[0]),
                float(row[1]),
                str(row[2]),
                str(row[3]),
                str(row[4]),
                Outcome(row[5]),
                str(row[6]),
                json.loads(row[7]),
            )
            for row in rows
        ]
