from __future__ import annotations

from typing import Any

import pytest

from seaway.model.keys import ResourceKey
from seaway.sync.annotations import AnnotationError, DeletePolicy, Phase
from seaway.sync.plan import PRUNE_LAST_WAVE, Action, PlanOptions, ResourceState, plan_sync


def obj(kind: str, name: str, ns: str = "app", api: str = "v1", **notes: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    if notes:
        meta["annotations"] = dict(notes)
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def desired(o: dict[str, Any], live: bool = False, out_of_sync: bool = True) -> ResourceState:
    return ResourceState(ResourceKey.from_object(o), o, o if live else None, out_of_sync)


def only_live(o: dict[str, Any]) -> ResourceState:
    return ResourceState(ResourceKey.from_object(o), None, o, True)


def test_kinds_order_within_a_wave_namespaces_and_crds_first() -> None:
    plan = plan_sync(
        [
            desired(obj("Deployment", "web", api="apps/v1")),
            desired(obj("Service", "web")),
            desired(obj("ConfigMap", "cfg")),
            desired(obj("Namespace", "app", ns="")),
            desired(obj("CustomResourceDefinition", "w.x", ns="", api="apiextensions.k8s.io/v1")),
            desired(obj("Widget", "w", api="x/v1")),
        ]
    )
    assert [t.key.kind for t in plan.tasks] == [
        "Namespace",
        "ConfigMap",
        "CustomResourceDefinition",
        "Service",
        "Deployment",
        "Widget",
    ]
    assert len(plan.steps()) == 1


def test_waves_split_steps_and_order_them_lowest_first() -> None:
    plan = plan_sync(
        [
            desired(obj("ConfigMap", "late", **{"argocd.argoproj.io/sync-wave": "5"})),
            desired(obj("ConfigMap", "early", **{"argocd.argoproj.io/sync-wave": "-1"})),
            desired(obj("ConfigMap", "plain")),
        ]
    )
    assert [(phase, wave, [t.key.name for t in tasks]) for phase, wave, tasks in plan.steps()] == [
        (Phase.SYNC, -1, ["early"]),
        (Phase.SYNC, 0, ["plain"]),
        (Phase.SYNC, 5, ["late"]),
    ]


def test_hooks_run_in_their_phases_and_syncfail_separately() -> None:
    pre = obj("Job", "migrate", api="batch/v1", **{"argocd.argoproj.io/hook": "PreSync"})
    post = obj(
        "Job",
        "smoke",
        api="batch/v1",
        **{
            "argocd.argoproj.io/hook": "PostSync",
            "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
        },
    )
    fail = obj("Job", "alert", api="batch/v1", **{"argocd.argoproj.io/hook": "SyncFail"})
    skip = obj("ConfigMap", "skipped", **{"argocd.argoproj.io/hook": "Skip"})
    plan = plan_sync([desired(obj("ConfigMap", "cfg"))], hooks=[post, pre, fail, skip])
    assert [(t.phase, t.action, t.key.name) for t in plan.tasks] == [
        (Phase.PRE_SYNC, Action.HOOK, "migrate"),
        (Phase.SYNC, Action.APPLY, "cfg"),
        (Phase.POST_SYNC, Action.HOOK, "smoke"),
    ]
    assert plan.tasks[0].hook_delete == {DeletePolicy.BEFORE_HOOK_CREATION}
    assert plan.tasks[2].hook_delete == {DeletePolicy.HOOK_SUCCEEDED}
    assert [t.key.name for t in plan.on_fail] == ["alert"]


def test_helm_hooks_map_to_phases() -> None:
    hook = obj("Job", "db", api="batch/v1", **{"helm.sh/hook": "pre-install,pre-upgrade"})
    test_hook = obj("Pod", "t", **{"helm.sh/hook": "test"})
    plan = plan_sync([], hooks=[hook, test_hook])
    assert [(t.phase, t.key.name) for t in plan.tasks] == [(Phase.PRE_SYNC, "db")]


def test_prune_needs_the_prune_option_and_respects_prune_false() -> None:
    stale = obj("ConfigMap", "stale")
    keep = obj("ConfigMap", "keep", **{"argocd.argoproj.io/sync-options": "Prune=false"})
    off = plan_sync([only_live(stale), only_live(keep)])
    assert off.tasks == ()
    assert {s.key.name: s.reason for s in off.skipped} == {
        "stale": "needs pruning; automated prune is off (prune by hand)",
        "keep": "not pruned: the object says Prune=false",
    }
    on = plan_sync([only_live(stale), only_live(keep)], options=PlanOptions(prune=True))
    assert [(t.action, t.key.name) for t in on.tasks] == [(Action.PRUNE, "stale")]


def test_prunes_follow_applies_in_reverse_kind_order_or_last() -> None:
    resources = [
        desired(obj("Deployment", "new", api="apps/v1")),
        only_live(obj("Service", "old-svc")),
        only_live(obj("Deployment", "old", api="apps/v1")),
        only_live(obj("ConfigMap", "old-cfg", **{"argocd.argoproj.io/sync-wave": "3"})),
    ]
    plan = plan_sync(resources, options=PlanOptions(prune=True))
    assert [(t.action, t.key.name, t.wave) for t in plan.tasks] == [
        (Action.APPLY, "new", 0),
        (Action.PRUNE, "old", 0),
        (Action.PRUNE, "old-svc", 0),
        (Action.PRUNE, "old-cfg", 3),
    ]
    last = plan_sync(resources, options=PlanOptions(prune=True, prune_last=True))
    assert [t.wave for t in last.tasks if t.action is Action.PRUNE] == [PRUNE_LAST_WAVE] * 3
    assert last.tasks[0].action is Action.APPLY


def test_apply_out_of_sync_only_skips_synced_resources() -> None:
    synced = obj("ConfigMap", "same")
    drifted = obj("ConfigMap", "drifted")
    missing = obj("ConfigMap", "missing")
    plan = plan_sync(
        [
            desired(synced, live=True, out_of_sync=False),
            desired(drifted, live=True, out_of_sync=True),
            desired(missing),
        ],
        options=PlanOptions(apply_out_of_sync_only=True),
    )
    assert [t.key.name for t in plan.tasks] == ["drifted", "missing"]
    assert [s.key.name for s in plan.skipped] == ["same"]


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ({"argocd.argoproj.io/sync-wave": "soon"}, "is not a whole number"),
        ({"argocd.argoproj.io/hook": "PreSyn"}, "unknown hook 'PreSyn'"),
        (
            {"argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "X"},
            "unknown policy 'X'",
        ),
    ],
)
def test_bad_annotations_name_the_object(notes: dict[str, str], message: str) -> None:
    bad = obj("Job", "broken", api="batch/v1", **notes)
    with pytest.raises(AnnotationError, match=message) as err:
        plan_sync([desired(bad)], hooks=[bad])
    assert "batch/Job/app/broken" in str(err.value)
