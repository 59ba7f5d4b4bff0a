"""Carry out a sync plan against a target, step by step, as a resumable state machine.

After each (phase, wave) step the progress is handed to `save`, so a controller that dies
mid-sync resumes at the first step not yet done: applies are idempotent (server-side apply), and
a hook whose step finished is never run twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from seaway.model.keys import ResourceKey
from seaway.model.status import HealthStatus, OperationPhase
from seaway.sync.annotations import DeletePolicy, Phase
from seaway.sync.plan import Action, Plan, Task


class Target(Protocol):
    """What a sync needs of a cluster backend (any backend satisfies it structurally)."""

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> dict[str, Any] | None: ...

    async def apply(self, obj: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    async def delete(
        self, api_version: str, kind: str, name: str, namespace: str | None
    ) -> bool: ...


class HealthLike(Protocol):
    @property
    def status(self) -> HealthStatus: ...

    @property
    def message(self) -> str: ...


HealthOf = Callable[[Mapping[str, Any]], HealthLike | None]
Save = Callable[["SyncProgress"], Awaitable[None]]


class ResultStatus(StrEnum):
    SYNCED = "Synced"
    SYNC_FAILED = "SyncFailed"
    PRUNED = "Pruned"
    PRUNE_SKIPPED = "PruneSkipped"


class HookPhase(StrEnum):
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


@dataclass
class TaskResult:
    key: ResourceKey
    version: str
    sync_phase: Phase
    wave: int
    status: ResultStatus
    message: str = ""
    hook_phase: HookPhase | None = None
    is_hook: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "group": self.key.group,
            "version": self.version,
            "kind": self.key.kind,
            "namespace": self.key.namespace,
            "name": self.key.name,
            "status": self.status.value,
            "message": self.message,
            "syncPhase": self.sync_phase.value,
            "syncWave": self.wave,
        }
        if self.is_hook:
            out["hookType"] = self.sync_phase.value
            out["hookPhase"] = (self.hook_phase or HookPhase.RUNNING).value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskResult:
        key = ResourceKey(
            str(data.get("group", "")),
            str(data["kind"]),
            str(data.get("namespace", "")),
            str(data["name"]),
        )
        hook = data.get("hookPhase")
        return cls(
            key=key,
            version=str(data.get("version", "")),
            sync_phase=Phase(data.get("syncPhase", "Sync")),
            wave=int(data.get("syncWave", 0)),
            status=ResultStatus(data["status"]),
            message=str(data.get("message", "")),
            hook_phase=HookPhase(hook) if hook else None,
            is_hook="hookType" in data,
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SyncProgress:
    """The state of one sync operation, in the shape of Argo CD's status.operationState."""

    revision: str
    phase: OperationPhase = OperationPhase.RUNNING
    message: str = ""
    done_steps: list[tuple[str, int]] = field(default_factory=list)
    results: list[TaskResult] = field(default_factory=list)
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.phase is not OperationPhase.RUNNING

    def record(self, result: TaskResult) -> None:
        self.results = [
            r for r in self.results if (r.key, r.sync_phase) != (result.key, result.sync_phase)
        ]
        self.results.append(result)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "phase": self.phase.value,
            "message": self.message,
            "startedAt": self.started_at,
            "syncResult": {
                "revision": self.revision,
                "resources": [r.to_dict() for r in self.results],
            },
            # Seaway's own: which steps are done, so a restarted controller resumes there.
            "doneSteps": [f"{phase}/{wave}" for phase, wave in self.done_steps],
        }
        if self.finished_at:
            out["finishedAt"] = self.finished_at
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SyncProgress:
        result = data.get("syncResult") or {}
        steps = []
        for entry in data.get("doneSteps", []):
            phase, _, wave = str(entry).rpartition("/")
            steps.append((phase, int(wave)))
        return cls(
            revision=str(result.get("revision", "")),
            phase=OperationPhase(data.get("phase", "Running")),
            message=str(data.get("message", "")),
            done_steps=steps,
            results=[TaskResult.from_dict(r) for r in result.get("resources", [])],
            started_at=str(data.get("startedAt") or _now()),
            finished_at=data.get("finishedAt"),
        )


class StepFailed(Exception):
    pass


@dataclass
class Runner:
    target: Target
    health_of: HealthOf
    save: Save
    # How long one wave may take to become healthy, and a hook to finish.
    step_timeout: float = 300.0
    poll_interval: float = 0.5

    async def run(self, plan: Plan, progress: SyncProgress) -> SyncProgress:
        try:
            for phase, wave, tasks in plan.steps():
                if (phase.value, wave) in progress.done_steps:
                    continue
                await self._step(tasks, progress)
                progress.done_steps.append((phase.value, wave))
                await self.save(progress)
        except StepFailed as exc:
            progress.phase = OperationPhase.FAILED
            progress.message = str(exc)
            await self._on_fail(plan, progress)
        except Exception as exc:
            progress.phase = OperationPhase.ERROR
            progress.message = f"{type(exc).__name__}: {exc}"
        else:
            progress.phase = OperationPhase.SUCCEEDED
            progress.message = "successfully synced (all tasks run)"
        progress.finished_at = _now()
        await self.save(progress)
        return progress

    async def _step(self, tasks: tuple[Task, ...], progress: SyncProgress) -> None:
        waits: list[Task] = []
        failures: list[str] = []
        for task in tasks:
            try:
                if task.action is Action.PRUNE:
                    await self._prune(task, progress)
                elif task.action is Action.HOOK:
                    await self._start_hook(task, progress)
                    waits.append(task)
                else:
                    await self._apply(task, progress)
                    waits.append(task)
            except StepFailed as exc:
                failures.append(str(exc))
        await self.save(progress)
        if failures:
            raise StepFailed("; ".join(failures))
        await self._wait_healthy(waits, progress)

    async def _apply(self, task: Task, progress: SyncProgress) -> None:
        result = _result(task, ResultStatus.SYNCED)
        try:
            await self.target.apply(task.obj)
            result.message = "applied"
        except Exception as exc:
            result.status = ResultStatus.SYNC_FAILED
            result.message = str(exc)
            progress.record(result)
            raise StepFailed(f"{task.key}: {exc}") from exc
        progress.record(result)

    async def _prune(self, task: Task, progress: SyncProgress) -> None:
        api_version, key = str(task.obj.get("apiVersion", "")), task.key
        result = _result(task, ResultStatus.PRUNED)
        try:
            gone = await self.target.delete(api_version, key.kind, key.name, key.namespace or None)
            result.message = "pruned" if gone else "already gone"
        except Exception as exc:
            result.status = ResultStatus.SYNC_FAILED
            result.message = f"prune failed: {exc}"
            progress.record(result)
            raise StepFailed(f"{key}: prune failed: {exc}") from exc
        progress.record(result)

    async def _start_hook(self, task: Task, progress: SyncProgress) -> None:
        api_version, key = str(task.obj.get("apiVersion", "")), task.key
        result = _result(task, ResultStatus.SYNCED)
        result.is_hook = True
        result.hook_phase = HookPhase.RUNNING
        try:
            if DeletePolicy.BEFORE_HOOK_CREATION in task.hook_delete:
                await self._delete_and_wait(api_version, key)
            await self.target.apply(task.obj)
            result.message = "hook started"
        except Exception as exc:
            result.status = ResultStatus.SYNC_FAILED
            result.hook_phase = HookPhase.FAILED
            result.message = str(exc)
            progress.record(result)
            raise StepFailed(f"hook {key}: {exc}") from exc
        progress.record(result)

    async def _delete_and_wait(self, api_version: str, key: ResourceKey) -> None:
        ns = key.namespace or None
        if not await self.target.delete(api_version, key.kind, key.name, ns):
            return
        deadline = asyncio.get_running_loop().time() + self.step_timeout
        while await self.target.get(api_version, key.kind, key.name, ns) is not None:
            if asyncio.get_running_loop().time() > deadline:
                raise StepFailed(f"{key}: the previous hook was not deleted in time")
            await asyncio.sleep(self.poll_interval)

    async def _wait_healthy(self, tasks: list[Task], progress: SyncProgress) -> None:
        pending = {task.key: task for task in tasks}
        deadline = asyncio.get_running_loop().time() + self.step_timeout
        while pending:
            for key, task in list(pending.items()):
                verdict = await self._verdict(task)
                if verdict is None:
                    continue
                ok, message = verdict
                del pending[key]
                if task.action is Action.HOOK:
                    await self._finish_hook(task, ok, message, progress)
                elif not ok:
                    raise StepFailed(f"{key} is Degraded: {message}")
            if not pending:
                break
            if asyncio.get_running_loop().time() > deadline:
                names = ", ".join(str(k) for k in pending)
                raise StepFailed(f"timed out after {self.step_timeout:.0f} s waiting for {names}")
            await asyncio.sleep(self.poll_interval)

    async def _verdict(self, task: Task) -> tuple[bool, str] | None:
        """(ok, message) once the object has settled; None while it still progresses."""
        key = task.key
        live = await self.target.get(
            str(task.obj.get("apiVersion", "")), key.kind, key.name, key.namespace or None
        )
        if live is None:
            return None if task.action is Action.HOOK else (False, "missing after apply")
        health = self.health_of(live)
        if health is None or health.status is HealthStatus.HEALTHY:
            return True, health.message if health else ""
        if health.status is HealthStatus.DEGRADED:
            return False, health.message
        if health.status is HealthStatus.SUSPENDED and task.action is not Action.HOOK:
            # A paused rollout or suspended CronJob is where the user wants it.
            return True, health.message
        return None

    async def _finish_hook(
        self, task: Task, ok: bool, message: str, progress: SyncProgress
    ) -> None:
        result = _result(task, ResultStatus.SYNCED if ok else ResultStatus.SYNC_FAILED)
        result.is_hook = True
        result.hook_phase = HookPhase.SUCCEEDED if ok else HookPhase.FAILED
        result.message = message or ("hook succeeded" if ok else "hook failed")
        progress.record(result)
        policy = DeletePolicy.HOOK_SUCCEEDED if ok else DeletePolicy.HOOK_FAILED
        if policy in task.hook_delete:
            key = task.key
            await self.target.delete(
                str(task.obj.get("apiVersion", "")), key.kind, key.name, key.namespace or None
            )
        if not ok:
            raise StepFailed(f"hook {task.key} failed: {result.message}")

    async def _on_fail(self, plan: Plan, progress: SyncProgress) -> None:
        if not plan.on_fail:
            return
        try:
            for task in plan.on_fail:
                await self._start_hook(task, progress)
            await self._wait_healthy(list(plan.on_fail), progress)
        except StepFailed as exc:
            progress.message += f"; SyncFail hook: {exc}"


def _result(task: Task, status: ResultStatus) -> TaskResult:
    api_version = str(task.obj.get("apiVersion", ""))
    return TaskResult(
        key=task.key,
        version=api_version.rpartition("/")[2],
        sync_phase=task.phase,
        wave=task.wave,
        status=status,
    )
