"""The per-object annotations that steer a sync, read as Argo CD reads them so that manifests
written for Argo CD keep their meaning (hooks, waves, per-resource sync options)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from seaway.model.keys import ResourceKey

HOOK = "argocd.argoproj.io/hook"
HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
COMPARE_OPTIONS = "argocd.argoproj.io/compare-options"
HELM_HOOK = "helm.sh/hook"
HELM_HOOK_WEIGHT = "helm.sh/hook-weight"
HELM_HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy"


class AnnotationError(ValueError):
    """An annotation whose value Seaway cannot read; the message names the object."""


class Phase(StrEnum):
    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"


PHASE_ORDER = (Phase.PRE_SYNC, Phase.SYNC, Phase.POST_SYNC)

# Helm's hooks as Argo CD maps them.
_HELM_HOOKS = {
    "pre-install": Phase.PRE_SYNC,
    "pre-upgrade": Phase.PRE_SYNC,
    "post-install": Phase.POST_SYNC,
    "post-upgrade": Phase.POST_SYNC,
}


class DeletePolicy(StrEnum):
    HOOK_SUCCEEDED = "HookSucceeded"
    HOOK_FAILED = "HookFailed"
    BEFORE_HOOK_CREATION = "BeforeHookCreation"


_HELM_DELETE = {
    "hook-succeeded": DeletePolicy.HOOK_SUCCEEDED,
    "hook-failed": DeletePolicy.HOOK_FAILED,
    "before-hook-creation": DeletePolicy.BEFORE_HOOK_CREATION,
}


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def hook_phases(obj: Mapping[str, Any]) -> tuple[Phase, ...] | None:
    """The phases an object runs in as a hook; None when it is a normal resource.

    `Skip` hooks are returned as an empty tuple: they are neither applied nor tracked.
    """
    notes = _annotations(obj)
    key = ResourceKey.from_object(obj)
    if HOOK in notes:
        phases: list[Phase] = []
        for word in _split(notes[HOOK]):
            if word == "Skip":
                return ()
            try:
                phases.append(Phase(word))
            except ValueError as exc:
                raise AnnotationError(
                    f"{key}: annotation {HOOK}: unknown hook {word!r} "
                    "(PreSync, Sync, PostSync, SyncFail or Skip)"
                ) from exc
        return tuple(phases)
    if HELM_HOOK in notes:
        helm = [_HELM_HOOKS[w] for w in _split(notes[HELM_HOOK]) if w in _HELM_HOOKS]
        # Helm hooks Argo CD does not map (test, pre-delete, ...) are skipped, as Argo CD does.
        return tuple(dict.fromkeys(helm))
    return None


def delete_policies(obj: Mapping[str, Any]) -> frozenset[DeletePolicy]:
    notes = _annotations(obj)
    key = ResourceKey.from_object(obj)
    policies: set[DeletePolicy] = set()
    for word in _split(notes.get(HOOK_DELETE_POLICY, "")):
        try:
            policies.add(DeletePolicy(word))
        except ValueError as exc:
            raise AnnotationError(
                f"{key}: annotation {HOOK_DELETE_POLICY}: unknown policy {word!r}"
            ) from exc
    for word in _split(notes.get(HELM_HOOK_DELETE_POLICY, "")):
        if word in _HELM_DELETE:
            policies.add(_HELM_DELETE[word])
    # Argo CD's default: a hook is replaced when it runs again.
    return frozenset(policies) or frozenset({DeletePolicy.BEFORE_HOOK_CREATION})


def sync_wave(obj: Mapping[str, Any]) -> int:
    notes = _annotations(obj)
    raw = notes.get(SYNC_WAVE, notes.get(HELM_HOOK_WEIGHT, "0"))
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise AnnotationError(
            f"{ResourceKey.from_object(obj)}: annotation {SYNC_WAVE}: {raw!r} is not a whole number"
        ) from exc


def object_sync_options(obj: Mapping[str, Any]) -> dict[str, str]:
    """Per-object sync options, e.g. {"Prune": "false"} from `Prune=false`."""
    options: dict[str, str] = {}
    for word in _split(_annotations(obj).get(SYNC_OPTIONS, "")):
        name, _, value = word.partition("=")
        options[name.strip()] = value.strip()
    return options
