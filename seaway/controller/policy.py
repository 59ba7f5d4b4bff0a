"""When an automated sync may run, decided as Argo CD decides it, plus one safety Argo CD
leaves to a flag: an app whose Git side renders to nothing never empties a cluster unless the
user said allowEmpty."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from seaway.model import Application
from seaway.model.status import OperationPhase, SyncStatus

# Argo CD waits this long between two self-heal syncs of one app.
SELF_HEAL_BACKOFF = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class LastSync:
    revision: str
    phase: OperationPhase
    finished_at: dt.datetime | None
    retry_count: int = 0
    automated: bool = True


@dataclass(frozen=True)
class Decision:
    sync: bool
    prune: bool
    reason: str
    # The earliest moment a held-back sync may be tried again, if it may.
    retry_at: dt.datetime | None = None


def decide_auto_sync(
    app: Application,
    *,
    sync_status: SyncStatus,
    revision: str,
    desired_count: int,
    live_count: int,
    last: LastSync | None,
    now: dt.datetime,
) -> Decision:
    policy = app.spec.sync_policy
    if policy is None or not policy.is_automated or policy.automated is None:
        return Decision(False, False, "automated sync is off")
    automated = policy.automated
    prune = bool(automated.prune)
    if sync_status is not SyncStatus.OUT_OF_SYNC:
        return Decision(False, prune, f"nothing to do: {sync_status.value}")
    if desired_count == 0 and live_count > 0 and not automated.allow_empty:
        return Decision(
            False,
            prune,
            "Git renders no resources while the cluster has some; automated sync would delete "
            "them all, which needs syncPolicy.automated.allowEmpty: true",
        )
    if last is None or last.revision != revision:
        return Decision(True, prune, f"new revision {revision[:12]}")
    if last.phase is OperationPhase.RUNNING:
        return Decision(False, prune, "a sync is running")
    if last.phase is OperationPhase.SUCCEEDED:
        if not automated.self_heal:
            return Decision(
                False,
                prune,
                f"already synced to {revision[:12]}; the drift stays OutOfSync (selfHeal is off)",
            )
        earliest = (last.finished_at or now) + SELF_HEAL_BACKOFF
        if now < earliest:
            return Decision(False, prune, "self-heal backs off", retry_at=earliest)
        return Decision(True, prune, "self-heal: live state drifted from Git")
    # The last sync of this revision failed: only a retry policy tries it again.
    retry = policy.retry
    if retry is None or (retry.limit >= 0 and last.retry_count >= retry.limit):
        return Decision(
            False,
            prune,
            f"the last sync of {revision[:12]} failed; no retries left "
            "(syncPolicy.retry.limit) - fix Git or sync by hand",
        )
    earliest = (last.finished_at or now) + retry.delay(last.retry_count)
    if now < earliest:
        return Decision(False, prune, "retry backs off", retry_at=earliest)
    return Decision(True, prune, f"retry {last.retry_count + 1} of the failed sync")
