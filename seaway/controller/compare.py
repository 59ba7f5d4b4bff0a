"""Compare one Application's desired state (Git, rendered) with its live state (the cluster).

Nothing here changes the cluster. Every problem a user can cause (a bad spec, an unreachable repo,
a render error, a kind the cluster does not know) becomes a condition on the result, and the
comparison then says Unknown rather than OutOfSync, so no sync (and above all no prune) can
follow from a broken render.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from seaway.cluster.backend import ClusterBackend
from seaway.controller.rollout_fields import keep_rollout_fields, rollout_ignore_rules
from seaway.controller.sealed import SealedSecretError, SealedSecrets
from seaway.diff import IgnoreRule, ObjectDiff, diff
from seaway.health import HealthResult, aggregate, assess
from seaway.model import Application, AppProject, check_application, permits_resource
from seaway.model.keys import ResourceKey
from seaway.model.status import ApplicationConditionType, HealthStatus, SyncStatus
from seaway.model.tracking import stamp
from seaway.model.unsupported import unsupported_fields
from seaway.source import RenderCache, RenderOptions, RepoCache, SourceError
from seaway.sync.annotations import AnnotationError, hook_phases

FIELD_MANAGER = "seaway"


@dataclass(frozen=True)
class Condition:
    type: ApplicationConditionType
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type.value, "message": self.message}


@dataclass
class ResourceView:
    """One resource of the app, desired and/or live, with its verdicts."""

    key: ResourceKey
    api_version: str
    desired: dict[str, Any] | None
    live: dict[str, Any] | None
    diff: ObjectDiff | None
    health: HealthResult | None

    @property
    def status(self) -> SyncStatus:
        if self.desired is None or self.diff is None:
            return SyncStatus.OUT_OF_SYNC
        return SyncStatus.OUT_OF_SYNC if self.diff.modified else SyncStatus.SYNCED

    @property
    def requires_pruning(self) -> bool:
        return self.desired is None and self.live is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "group": self.key.group,
            "version": self.api_version.rpartition("/")[2],
            "kind": self.key.kind,
            "name": self.key.name,
            "status": self.status.value,
        }
        if self.key.namespace:
            out["namespace"] = self.key.namespace
        if self.health is not None:
            out["health"] = {"status": self.health.status.value}
            if self.health.message:
                out["health"]["message"] = self.health.message
        if self.requires_pruning:
            out["requiresPruning"] = True
        return out


@dataclass
class Comparison:
    revisions: list[str]
    resources: list[ResourceView] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    # False when desired state could not be known: nothing may be synced or pruned then.
    complete: bool = True

    @property
    def revision(self) -> str:
        return self.revisions[0] if self.revisions else ""

    @property
    def sync_status(self) -> SyncStatus:
        if not self.complete:
            return SyncStatus.UNKNOWN
        if any(r.status is SyncStatus.OUT_OF_SYNC for r in self.resources):
            return SyncStatus.OUT_OF_SYNC
        return SyncStatus.SYNCED

    @property
    def health(self) -> HealthResult:
        if not self.complete and not self.resources:
            return HealthResult(HealthStatus.UNKNOWN, "desired state unknown")
        return aggregate((r.desired, r.live) for r in self.resources if r.desired is not None)

    @property
    def desired(self) -> list[dict[str, Any]]:
        return [r.desired for r in self.resources if r.desired is not None]


def _fail(comparison: Comparison, kind: ApplicationConditionType, message: str) -> Comparison:
    comparison.conditions.append(Condition(kind, message))
    comparison.complete = False
    return comparison


class ImageAdmission(Protocol):
    """May these objects' images run? One message per refusal (controller/admission.py)."""

    async def check(
        self, app: Application, project: AppProject, objects: Sequence[dict[str, Any]]
    ) -> list[str]: ...


@dataclass
class Comparer:
    backend: ClusterBackend
    repos: RepoCache
    renders: RenderCache
    # How long a resolved revision is trusted without asking the remote again; a refresh
    # (timer, webhook, person) always asks. Drift reconciles thus cost no network round trip.
    revision_ttl: float = 60.0
    # Confirm a diff by a server-side dry-run where the plain comparison says OutOfSync.
    exact: bool = True
    # Refuses images without the attestations a policy requires; None checks nothing.
    admission: ImageAdmission | None = None
    # Opens the app's SealedSecrets into Secrets (controller/sealed.py); None opens none.
    sealed: SealedSecrets | None = None
    _resolved: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)

    async def _resolve(self, url: str, wanted: str, refresh: bool) -> str:
        now = time.monotonic()
        cached = self._resolved.get((url, wanted))
        if cached is not None and not refresh and now - cached[1] < self.revision_ttl:
            return cached[0]
        sha = await asyncio.to_thread(self.repos.resolve, url, wanted)
        self._resolved[(url, wanted)] = (sha, now)
        return sha

    async def compare(
        self,
        app: Application,
        project: AppProject,
        previous_kinds: Sequence[tuple[str, str]] = (),
        revision: str | None = None,
        refresh: bool = True,
    ) -> Comparison:
        """`revision`, when given, replaces every source's targetRevision (a rollback)."""
        comparison = Comparison(revisions=[])
        for path in unsupported_fields(app):
            comparison.conditions.append(
                Condition(
                    ApplicationConditionType.UNSUPPORTED_FIELD,
                    f"{path} is not supported by Seaway yet and was not acted on",
                )
            )
        violations = check_application(project, app)
        if violations:
            for violation in violations:
                comparison.conditions.append(
                    Condition(ApplicationConditionType.INVALID_SPEC_ERROR, str(violation))
                )
            comparison.complete = False
            return comparison

        try:
            rendered = await self._render(app, comparison, revision, refresh)
            desired, comparison.hooks = _split_hooks(rendered)
        except (SourceError, AnnotationError) as exc:
            return _fail(comparison, ApplicationConditionType.COMPARISON_ERROR, str(exc))
        if self.sealed is not None:
            try:
                desired = await self.sealed.open_all(self.backend, app, desired)
                comparison.hooks = await self.sealed.open_all(self.backend, app, comparison.hooks)
            except SealedSecretError as exc:
                # Like a broken render: nothing of the app is applied or pruned.
                return _fail(comparison, ApplicationConditionType.COMPARISON_ERROR, str(exc))

        try:
            desired = await self._place(app, desired)
        except _UnknownKindError as exc:
            return _fail(comparison, ApplicationConditionType.COMPARISON_ERROR, str(exc))
        comparison.hooks = [
            dict(h) for h in await self._place(app, comparison.hooks, stamp_objects=False)
        ]

        for obj in desired:
            key = ResourceKey.from_object(obj)
            namespaced = bool(key.namespace)
            problem = permits_resource(project, key.group, key.kind, namespaced)
            if problem is not None:
                return _fail(
                    comparison, ApplicationConditionType.INVALID_SPEC_ERROR, f"{key}: {problem}"
                )

        await self._attach_live(app, comparison, desired, previous_kinds)
        if self.admission is not None:
            refusals = await self.admission.check(app, project, [*desired, *comparison.hooks])
            # Refused like a broken render: the status shows the diff, but nothing is applied
            # or pruned until the images are attested.
            for message in refusals:
                comparison.conditions.append(
                    Condition(ApplicationConditionType.SYNC_ERROR, message)
                )
            comparison.complete = comparison.complete and not refusals
        return comparison

    async def _render(
        self, app: Application, comparison: Comparison, revision: str | None, refresh: bool
    ) -> list[dict[str, Any]]:
        """Every source's objects, its resolved revision recorded in `comparison`."""
        rendered: list[dict[str, Any]] = []
        for source in app.spec.all_sources():
            if source.ref and not source.path and not source.chart:
                # A ref-only source only lends files to the others (`$ref/values.yaml`); it
                # renders nothing itself.
                continue
            wanted = revision or source.target_revision or "HEAD"
            sha = await self._resolve(source.repo_url, wanted, refresh)
            tree = await asyncio.to_thread(self.repos.checkout, source.repo_url, sha)
            options = _render_options(source.to_dict(), app)
            result = await asyncio.to_thread(
                self.renders.render, sha, tree, source.path or ".", options
            )
            comparison.revisions.append(sha)
            rendered.extend(result.objects)
        return rendered

    async def _place(
        self, app: Application, objects: list[dict[str, Any]], stamp_objects: bool = True
    ) -> list[dict[str, Any]]:
        """Give namespaced objects the destination namespace and mark them as the app's."""
        crd_scopes = _crd_scopes(objects)
        placed = []
        for obj in objects:
            out = dict(obj)
            meta = dict(out.get("metadata") or {})
            out["metadata"] = meta
            api_version, kind = str(out.get("apiVersion", "")), str(out.get("kind", ""))
            scope = crd_scopes.get((api_version.rpartition("/")[0], kind))
            if scope is None:
                try:
                    scope = await self.backend.is_namespaced(api_version, kind)
                except Exception as exc:
                    raise _UnknownKindError(
                        f"{kind} {meta.get('name')}: {api_version} {kind} is not served by the "
                        f"destination cluster ({exc})"
                    ) from exc
            if scope and not meta.get("namespace"):
                meta["namespace"] = app.spec.destination.namespace or "default"
            if not scope:
                meta.pop("namespace", None)
            placed.append(stamp(app.name, out) if stamp_objects else out)
        return placed

    async def _confirm(
        self,
        desired: dict[str, Any],
        live: dict[str, Any],
        verdict: ObjectDiff,
        rules: Sequence[IgnoreRule],
    ) -> ObjectDiff:
        """What would applying change? The API server's answer (a dry-run of the same
        server-side apply a sync makes) beats any guess about defaults, webhooks and fields
        other managers own; where it shows no change, the object is in sync."""
        try:
            predicted = await self.backend.apply(desired, dry_run=True)
        except Exception:
            # A dry-run the server refuses (e.g. a webhook down) leaves the plain verdict.
            return verdict
        exact = diff(predicted, live, ignore=rules, manager=FIELD_MANAGER)
        return verdict if exact.modified else exact

    async def _attach_live(
        self,
        app: Application,
        comparison: Comparison,
        desired: list[dict[str, Any]],
        previous_kinds: Sequence[tuple[str, str]],
    ) -> None:
        rules = [IgnoreRule.from_argo(rule.to_dict()) for rule in app.spec.ignore_differences]
        kinds = {(str(o["apiVersion"]), str(o["kind"])) for o in desired} | set(previous_kinds)
        tracked = await self.backend.list_app(app.name, kinds)
        live_by_key = {ResourceKey.from_object(o): o for o in tracked}
        for rendered in desired:
            key = ResourceKey.from_object(rendered)
            live = live_by_key.pop(key, None)
            if live is None:
                meta = rendered["metadata"]
                live = await self.backend.get(
                    str(rendered["apiVersion"]), key.kind, key.name, meta.get("namespace")
                )
            # What the sync applies too: a rollout's traffic survives it.
            obj = keep_rollout_fields(rendered, live)
            own = [*rules, *rollout_ignore_rules(live)]
            verdict = diff(obj, live, ignore=own, manager=FIELD_MANAGER)
            if verdict.modified and live is not None and self.exact:
                verdict = await self._confirm(obj, live, verdict, own)
            comparison.resources.append(
                ResourceView(
                    key=key,
                    api_version=str(obj["apiVersion"]),
                    desired=obj,
                    live=live,
                    diff=verdict,
                    health=assess(live),
                )
            )
        for key, live in sorted(live_by_key.items()):
            comparison.resources.append(
                ResourceView(
                    key=key,
                    api_version=str(live.get("apiVersion", "")),
                    desired=None,
                    live=live,
                    diff=None,
                    health=assess(live),
                )
            )


def _render_options(source: Mapping[str, Any], app: Application) -> RenderOptions:
    options = RenderOptions.from_argo(source, app_name=app.name)
    if options.helm is not None and not options.helm.namespace:
        # Argo CD renders a chart for the destination namespace (.Release.Namespace).
        helm = replace(options.helm, namespace=app.spec.destination.namespace)
        options = replace(options, helm=helm)
    return options


class _UnknownKindError(Exception):
    pass


def _crd_scopes(objects: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], bool]:
    """Scopes of kinds whose CRD is part of the same app: the cluster cannot know them yet."""
    scopes = {}
    for obj in objects:
        if obj.get("kind") == "CustomResourceDefinition":
            spec = obj.get("spec") or {}
            names = spec.get("names") or {}
            scopes[(str(spec.get("group", "")), str(names.get("kind", "")))] = (
                spec.get("scope", "Namespaced") == "Namespaced"
            )
    return scopes


def _split_hooks(
    rendered: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plain resources apart from hooks; a hook whose phases are all skipped is dropped."""
    desired: list[dict[str, Any]] = []
    hooks: list[dict[str, Any]] = []
    for obj in rendered:
        phases = hook_phases(obj)
        if phases is None:
            desired.append(obj)
        elif phases:
            hooks.append(obj)
    return desired, hooks
