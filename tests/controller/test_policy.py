"""When an automated sync may run (pure)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from seaway.controller.policy import Decision, LastSync, decide_auto_sync
from seaway.model import Application, parse_object
from seaway.model.status import OperationPhase, SyncStatus

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def app(policy: dict[str, Any] | None) -> Application:
    spec: dict[str, Any] = {
        "project": "default",
        "source": {"repoURL": "https://git.example/env", "path": "app"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
    }
    if policy is not None:
        spec["syncPolicy"] = policy
    loaded = parse_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": spec,
        }
    )
    assert isinstance(loaded, Application)
    return loaded


def decide(
    policy: dict[str, Any] | None,
    *,
    status: SyncStatus = SyncStatus.OUT_OF_SYNC,
    last: LastSync | None = None,
    desired: int = 3,
    live: int = 3,
) -> Decision:
    return decide_auto_sync(
        app(policy),
        sync_status=status,
        revision="abc123",
        desired_count=desired,
        live_count=live,
        last=last,
        now=NOW,
    )


def done(phase: OperationPhase, ago: float, revision: str = "abc123", retries: int = 0) -> LastSync:
    return LastSync(revision, phase, NOW - dt.timedelta(seconds=ago), retries)


def test_manual_apps_never_sync_by_themselves() -> None:
    assert not decide(None).sync
    assert not decide({"automated": {"enabled": False}}).sync


def test_a_new_revision_syncs_with_the_apps_prune_setting() -> None:
    d = decide({"automated": {"prune": True}})
    assert d.sync
    assert d.prune
    assert not decide({"automated": {}}).prune


def test_nothing_to_do_when_synced_or_unknown() -> None:
    assert not decide({"automated": {}}, status=SyncStatus.SYNCED).sync
    assert not decide({"automated": {}}, status=SyncStatus.UNKNOWN).sync


def test_an_empty_render_never_empties_the_cluster_unless_allowed() -> None:
    held = decide({"automated": {"prune": True}}, desired=0, live=4)
    assert not held.sync
    assert "allowEmpty" in held.reason
    assert decide({"automated": {"prune": True, "allowEmpty": True}}, desired=0, live=4).sync


def test_drift_after_a_sync_is_healed_only_with_self_heal_and_after_the_back_off() -> None:
    last = done(OperationPhase.SUCCEEDED, ago=60)
    assert not decide({"automated": {}}, last=last).sync
    assert decide({"automated": {"selfHeal": True}}, last=last).sync
    recent = decide({"automated": {"selfHeal": True}}, last=done(OperationPhase.SUCCEEDED, ago=1))
    assert not recent.sync
    assert recent.retry_at == NOW + dt.timedelta(seconds=4)


def test_a_failed_sync_is_retried_only_as_the_retry_policy_says() -> None:
    failed = done(OperationPhase.FAILED, ago=60)
    assert not decide({"automated": {}}, last=failed).sync
    policy = {"automated": {}, "retry": {"limit": 2, "backoff": {"duration": "10s", "factor": 2}}}
    assert decide(policy, last=failed).sync
    soon = decide(policy, last=done(OperationPhase.FAILED, ago=3, retries=1))
    assert not soon.sync
    # The second retry waits 10 s x 2.
    assert soon.retry_at == NOW - dt.timedelta(seconds=3) + dt.timedelta(seconds=20)
    assert not decide(policy, last=done(OperationPhase.FAILED, ago=600, retries=2)).sync


@pytest.mark.parametrize("phase", [OperationPhase.FAILED, OperationPhase.SUCCEEDED])
def test_a_new_revision_syncs_whatever_happened_to_the_last(phase: OperationPhase) -> None:
    assert decide({"automated": {}}, last=done(phase, ago=1, revision="older")).sync
