"""Pure planning of a sync: which objects to apply, which hooks to run and which objects to
prune, in which phase and wave, in which order. No I/O: the runner carries the plan out.

Order, as Argo CD users expect it: phase (PreSync, Sync, PostSync), then sync wave (lowest first),
then kind (Namespaces and CRDs first), then name. Prunes run in their object's wave, after that
wave's applies and in reverse kind order, or after everything with PruneLast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from seaway.model.keys import ResourceKey
from seaway.sync.annotations import (
    PHASE_ORDER,
    DeletePolicy,
    Phase,
    delete_policies,
    hook_phases,
    object_sync_options,
    sync_wave,
)
from seaway.sync.kinds import kind_rank

# PruneLast moves prunes past every wave of the Sync phase.
PRUNE_LAST_WAVE = 2**31


class Action(StrEnum):
    APPLY = "apply"
    HOOK = "hook"
    PRUNE = "prune"


@dataclass(frozen=True)
class PlanOptions:
    prune: bool = False
    prune_last: bool = False
    apply_out_of_sync_only: bool = False


@dataclass(frozen=True)
class Task:
    key: ResourceKey
    phase: Phase
    wave: int
    action: Action
    obj: Mapping[str, Any]
    hook_delete: frozenset[DeletePolicy] = frozenset()

    def sort_key(self) -> tuple[int, int, int, int, str, str]:
        rank = kind_rank(self.key.kind)
        # Within a wave, applies and hooks come before prunes; prunes go in reverse kind order.
        action_rank = 1 if self.action is Action.PRUNE else 0
        kind_order = -rank if self.action is Action.PRUNE else rank
        return (
            PHASE_ORDER.index(self.phase) if self.phase in PHASE_ORDER else len(PHASE_ORDER),
            self.wave,
            action_rank,
            kind_order,
            self.key.namespace,
            self.key.name,
        )


@dataclass(frozen=True)
class Skipped:
    key: ResourceKey
    reason: str


@dataclass(frozen=True)
class Plan:
    tasks: tuple[Task, ...]
    # Hooks that run only when the sync fails.
    on_fail: tuple[Task, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def steps(self) -> list[tuple[Phase, int, tuple[Task, ...]]]:
        """Tasks grouped by (phase, wave), in order: each group is applied, then waited for."""
        groups: list[tuple[Phase, int, tuple[Task, ...]]] = []
        current: list[Task] = []
        for task in self.tasks:
            if current and (current[0].phase, current[0].wave) != (task.phase, task.wave):
                groups.append((current[0].phase, current[0].wave, tuple(current)))
                current = []
            current.append(task)
        if current:
            groups.append((current[0].phase, current[0].wave, tuple(current)))
        return groups


@dataclass(frozen=True)
class ResourceState:
    """One resource as the planner sees it: desired (None: only live), live, and whether the
    diff found it out of sync."""

    key: ResourceKey
    desired: Mapping[str, Any] | None
    live: Mapping[str, Any] | None
    out_of_sync: bool


@dataclass
class _Builder:
    tasks: list[Task] = field(default_factory=list)
    on_fail: list[Task] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def plan_sync(
    resources: Iterable[ResourceState],
    hooks: Iterable[Mapping[str, Any]] = (),
    options: PlanOptions = PlanOptions(),
) -> Plan:
    """Plan a sync. `resources` are the app's tracked resources (desired, live or both); `hooks`
    are the rendered objects that carry a hook annotation."""
    out = _Builder()
    for state in resources:
        _plan_resource(state, options, out)
    for hook in hooks:
        phases = hook_phases(hook)
        if not phases:
            continue
        key = ResourceKey.from_object(hook)
        policies = delete_policies(hook)
        for phase in phases:
            task = Task(key, phase, sync_wave(hook), Action.HOOK, hook, policies)
            (out.on_fail if phase is Phase.SYNC_FAIL else out.tasks).append(task)
    return Plan(
        tasks=tuple(sorted(out.tasks, key=Task.sort_key)),
        on_fail=tuple(sorted(out.on_fail, key=Task.sort_key)),
        skipped=tuple(out.skipped),
    )


def _plan_resource(state: ResourceState, options: PlanOptions, out: _Builder) -> None:
    if state.desired is not None:
        if options.apply_out_of_sync_only and not state.out_of_sync and state.live is not None:
            out.skipped.append(Skipped(state.key, "in sync (ApplyOutOfSyncOnly)"))
            return
        out.tasks.append(
            Task(state.key, Phase.SYNC, sync_wave(state.desired), Action.APPLY, state.desired)
        )
        return
    if state.live is None:
        return
    per_object = object_sync_options(state.live)
    if per_object.get("Prune", "").lower() == "false":
        out.skipped.append(Skipped(state.key, "not pruned: the object says Prune=false"))
        return
    if not options.prune:
        out.skipped.append(
            Skipped(state.key, "needs pruning; automated prune is off (prune by hand)")
        )
        return
    prune_last = options.prune_last or per_object.get("PruneLast", "").lower() == "true"
    wave = PRUNE_LAST_WAVE if prune_last else sync_wave(state.live)
    out.tasks.append(Task(state.key, Phase.SYNC, wave, Action.PRUNE, state.live))
