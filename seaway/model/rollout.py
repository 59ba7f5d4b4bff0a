"""Argo Rollouts' Rollout: a Deployment with a progressive delivery strategy.

Argo Rollouts' `argoproj.io/v1alpha1` Rollout, field for field, so its manifests load unchanged:
blue/green and canary (steps, traffic routing, analysis). Seaway adds, each marked where it is
declared: a `recreate` strategy, a plain Deployment `strategy` (type Recreate or RollingUpdate),
cookie matches on setHeaderRoute for A/B groups, and a choice of Seaway's own traffic router.
Checks that Argo Rollouts makes when it validates a Rollout are made here, at load time.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Final, Literal

from pydantic import Field, model_validator

from seaway.model.analysis import ArgoResource, Argument, DryRun, MeasurementRetention
from seaway.model.base import ArgoModel, FieldProblem
from seaway.model.durations import parse_duration

# Argo Rollouts' defaults when the spec does not say.
DEFAULT_REPLICAS: Final = 1
DEFAULT_REVISION_HISTORY_LIMIT: Final = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS: Final = 600
DEFAULT_SCALE_DOWN_DELAY_SECONDS: Final = 30
DEFAULT_MAX_SURGE: Final = "25%"
DEFAULT_MAX_UNAVAILABLE: Final = "25%"

_PERCENT = re.compile(r"^\d+%$")

IntOrString = int | str


def _check_int_or_percent(value: IntOrString | None, field: str) -> None:
    if value is None:
        return
    if isinstance(value, int):
        if value < 0:
            raise FieldProblem(f"must be 0 or more, got {value}", field)
        return
    if not _PERCENT.match(value):
        raise FieldProblem(f"must be a number or a percentage like 25%, not {value!r}", field)


def _is_zero(value: IntOrString | None) -> bool:
    return value in (0, "0%")


class AnalysisTemplateRef(ArgoModel):
    template_name: str
    # True when the template is a ClusterAnalysisTemplate.
    cluster_scope: bool = False

    @model_validator(mode="after")
    def _check(self) -> AnalysisTemplateRef:
        if not self.template_name:
            raise FieldProblem("a templateName is required", "templateName")
        return self


class RolloutAnalysis(ArgoModel):
    """Templates to run as one AnalysisRun, with arguments for them."""

    templates: list[AnalysisTemplateRef] = Field(default_factory=list)
    args: list[Argument] = Field(default_factory=list)
    dry_run: list[DryRun] = Field(default_factory=list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RolloutAnalysis:
        if not self.templates:
            raise FieldProblem("at least one template is required", "templates")
        return self


class RolloutAnalysisBackground(RolloutAnalysis):
    """Analysis that runs alongside the canary steps, from `startingStep` on."""

    starting_step: int | None = None

    @model_validator(mode="after")
    def _check_step(self) -> RolloutAnalysisBackground:
        if self.starting_step is not None and self.starting_step < 0:
            raise FieldProblem(f"must be 0 or more, got {self.starting_step}", "startingStep")
        return self


class RolloutPause(ArgoModel):
    # An integer is seconds; a string is "30s", "5m", "1h" or an integer. No duration pauses
    # until someone promotes the rollout.
    duration: IntOrString | None = None

    @model_validator(mode="after")
    def _check(self) -> RolloutPause:
        if self.duration is None:
            return self
        try:
            seconds = self.seconds
        except ValueError as error:
            raise FieldProblem(str(error), "duration") from None
        if seconds is not None and seconds < 0:
            raise FieldProblem(f"must not be negative, got {self.duration!r}", "duration")
        return self

    @property
    def seconds(self) -> float | None:
        """How long to pause, or None to pause until promoted."""
        if self.duration is None:
            return None
        if isinstance(self.duration, int):
            return float(self.duration)
        return parse_duration(self.duration) / timedelta(seconds=1)


class StringMatch(ArgoModel):
    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _check(self) -> StringMatch:
        given = [n for n in ("exact", "prefix", "regex") if getattr(self, n) is not None]
        if len(given) != 1:
            raise FieldProblem("exactly one of exact, prefix or regex is required")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise FieldProblem(
                    f"invalid regular expression {self.regex!r}: {error}", "regex"
                ) from None
        return self


class RouteMatch(ArgoModel):
    """One condition of a header route: a header (Argo Rollouts), or a cookie.

    cookieName and cookieValue are Seaway's extension for A/B groups (a user's group lives in
    a cookie); Argo Rollouts matches headers only.
    """

    header_name: str = ""
    header_value: StringMatch | None = None
    cookie_name: str = ""
    cookie_value: StringMatch | None = None

    @model_validator(mode="after")
    def _check(self) -> RouteMatch:
        header = bool(self.header_name) or self.header_value is not None
        cookie = bool(self.cookie_name) or self.cookie_value is not None
        if header and cookie:
            raise FieldProblem("match either a header or a cookie, not both")
        if cookie:
            if not self.cookie_name:
                raise FieldProblem("a cookieName is required", "cookieName")
            if self.cookie_value is None:
                raise FieldProblem("a cookieValue is required", "cookieValue")
            return self
        if not self.header_name:
            raise FieldProblem("a headerName is required", "headerName")
        if self.header_value is None:
            raise FieldProblem("a headerValue is required", "headerValue")
        return self


class SetHeaderRoute(ArgoModel):
    # A route named in trafficRouting.managedRoutes; a step without `match` removes it.
    name: str
    match: list[RouteMatch] = Field(default_factory=list)


class SetCanaryScale(ArgoModel):
    weight: int | None = None
    replicas: int | None = None
    match_traffic_weight: bool = False

    @model_validator(mode="after")
    def _check(self) -> SetCanaryScale:
        given = [
            self.weight is not None,
            self.replicas is not None,
            self.match_traffic_weight,
        ]
        if sum(given) != 1:
            raise FieldProblem("exactly one of weight, replicas or matchTrafficWeight is required")
        if self.weight is not None and not 0 <= self.weight <= 100:
            raise FieldProblem(f"must be between 0 and 100, got {self.weight}", "weight")
        if self.replicas is not None and self.replicas < 0:
            raise FieldProblem(f"must be 0 or more, got {self.replicas}", "replicas")
        return self


STEP_ACTIONS: Final = (
    "setWeight",
    "pause",
    "analysis",
    "setCanaryScale",
    "setHeaderRoute",
    "experiment",
    "setMirrorRoute",
    "plugin",
)


class CanaryStep(ArgoModel):
    set_weight: int | None = None
    pause: RolloutPause | None = None
    analysis: RolloutAnalysis | None = None
    set_canary_scale: SetCanaryScale | None = None
    set_header_route: SetHeaderRoute | None = None
    # Kept as written; Seaway reports them as unsupported rather than running them.
    experiment: dict[str, Any] | None = None
    set_mirror_route: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> CanaryStep:
        given = [name for name in STEP_ACTIONS if self._action(name) is not None]
        if not given:
            raise FieldProblem("a step needs one action: " + ", ".join(STEP_ACTIONS))
        if len(given) > 1:
            raise FieldProblem(
                "a step has exactly one action, this one has " + " and ".join(given) + "; "
                "split it into steps"
            )
        if self.set_weight is not None and not 0 <= self.set_weight <= 100:
            raise FieldProblem(f"must be between 0 and 100, got {self.set_weight}", "setWeight")
        return self

    def _action(self, camel: str) -> object:
        return getattr(self, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel))

    @property
    def action(self) -> str:
        """The name of the step's action as written, e.g. "setWeight"."""
        return next(name for name in STEP_ACTIONS if self._action(name) is not None)


class ManagedRoute(ArgoModel):
    name: str


class SeawayTrafficRouting(ArgoModel):
    """Seaway's extension: which of Seaway's routers splits the traffic.

    `local` is the local backend's built-in router, `service` shifts a Service's selector
    (whole replicas only), `gatewayAPI` writes the weights of an HTTPRoute.
    """

    router: Literal["local", "service", "gatewayAPI"] = "local"
    # The HTTPRoute for gatewayAPI.
    http_route: str = ""

    @model_validator(mode="after")
    def _check(self) -> SeawayTrafficRouting:
        if self.router == "gatewayAPI" and not self.http_route:
            raise FieldProblem("the gatewayAPI router needs an httpRoute", "httpRoute")
        return self


class TrafficRouting(ArgoModel):
    managed_routes: list[ManagedRoute] = Field(default_factory=list)
    max_traffic_weight: int | None = None
    seaway: SeawayTrafficRouting | None = None
    # Argo Rollouts' mesh and ingress integrations, kept as written.
    istio: dict[str, Any] | None = None
    nginx: dict[str, Any] | None = None
    alb: dict[str, Any] | None = None
    smi: dict[str, Any] | None = None
    ambassador: dict[str, Any] | None = None
    apisix: dict[str, Any] | None = None
    traefik: dict[str, Any] | None = None
    plugins: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> TrafficRouting:
        if self.max_traffic_weight is not None and self.max_traffic_weight <= 0:
            raise FieldProblem(
                f"must be more than 0, got {self.max_traffic_weight}", "maxTrafficWeight"
            )
        return self

    @property
    def max_weight(self) -> int:
        return self.max_traffic_weight or 100


class CanaryStrategy(ArgoModel):
    canary_service: str = ""
    stable_service: str = ""
    steps: list[CanaryStep] = Field(default_factory=list)
    traffic_routing: TrafficRouting | None = None
    analysis: RolloutAnalysisBackground | None = None
    max_surge: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    scale_down_delay_seconds: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    dynamic_stable_scale: bool = False
    anti_affinity: dict[str, Any] | None = None
    canary_metadata: dict[str, Any] | None = None
    stable_metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> CanaryStrategy:
        _check_int_or_percent(self.max_surge, "maxSurge")
        _check_int_or_percent(self.max_unavailable, "maxUnavailable")
        if _is_zero(self.max_surge) and _is_zero(self.max_unavailable):
            raise FieldProblem("maxSurge and maxUnavailable cannot both be 0", "maxUnavailable")
        if self.canary_service and self.canary_service == self.stable_service:
            raise FieldProblem(
                "canaryService and stableService must be two different services",
                "stableService",
            )
        routing = self.traffic_routing
        if routing is not None:
            if not self.canary_service:
                raise FieldProblem("trafficRouting needs a canaryService", "canaryService")
            if not self.stable_service:
                raise FieldProblem("trafficRouting needs a stableService", "stableService")
        routes = {route.name for route in routing.managed_routes} if routing else set()
        for index, step in enumerate(self.steps):
            route = step.set_header_route
            if route is None:
                continue
            if routing is None:
                raise FieldProblem(
                    "setHeaderRoute needs trafficRouting", "steps", index, "setHeaderRoute"
                )
            if route.name not in routes:
                raise FieldProblem(
                    f"route {route.name!r} is not listed in trafficRouting.managedRoutes",
                    "steps",
                    index,
                    "setHeaderRoute",
                    "name",
                )
        starting = self.analysis.starting_step if self.analysis is not None else None
        if starting is not None and starting > len(self.steps):
            raise FieldProblem(
                f"startingStep {starting} is past the last step ({len(self.steps)} steps)",
                "analysis",
                "startingStep",
            )
        return self


class BlueGreenStrategy(ArgoModel):
    active_service: str = ""
    preview_service: str = ""
    auto_promotion_enabled: bool = True
    auto_promotion_seconds: int | None = None
    pre_promotion_analysis: RolloutAnalysis | None = None
    post_promotion_analysis: RolloutAnalysis | None = None
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    preview_replica_count: int | None = None
    anti_affinity: dict[str, Any] | None = None
    preview_metadata: dict[str, Any] | None = None
    active_metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> BlueGreenStrategy:
        if not self.active_service:
            raise FieldProblem("an activeService is required", "activeService")
        if self.preview_service == self.active_service:
            raise FieldProblem("previewService must differ from activeService", "previewService")
        for field in (
            "autoPromotionSeconds",
            "scaleDownDelaySeconds",
            "scaleDownDelayRevisionLimit",
            "abortScaleDownDelaySeconds",
            "previewReplicaCount",
        ):
            value = getattr(self, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), field))
            if value is not None and value < 0:
                raise FieldProblem(f"must be 0 or more, got {value}", field)
        return self


class RecreateStrategy(ArgoModel):
    """Seaway's own: stop every old replica, then start the new ones.

    Argo Rollouts has no recreate strategy (a Rollout is blue/green or canary); Seaway offers
    it so one resource kind covers every way to deploy.
    """


class RollingUpdate(ArgoModel):
    max_surge: IntOrString | None = None
    max_unavailable: IntOrString | None = None


StrategyKind = Literal["blueGreen", "canary", "recreate", "rollingUpdate"]


class RolloutStrategy(ArgoModel):
    blue_green: BlueGreenStrategy | None = None
    canary: CanaryStrategy | None = None
    # Seaway's own, see RecreateStrategy.
    recreate: RecreateStrategy | None = None
    # A plain Deployment's strategy, accepted so a Deployment turns into a Rollout by changing
    # its kind: type Recreate is `recreate`, RollingUpdate a canary without steps.
    type: Literal["Recreate", "RollingUpdate"] | None = None
    rolling_update: RollingUpdate | None = None

    @model_validator(mode="after")
    def _check(self) -> RolloutStrategy:
        given = [
            name
            for name, value in (
                ("blueGreen", self.blue_green),
                ("canary", self.canary),
                ("recreate", self.recreate),
                ("type", self.type),
            )
            if value is not None
        ]
        if not given:
            raise FieldProblem("one strategy is required: blueGreen, canary or recreate")
        if len(given) > 1:
            raise FieldProblem(
                "only one strategy can be given, this one has " + " and ".join(given)
            )
        if self.rolling_update is not None:
            if self.type != "RollingUpdate":
                raise FieldProblem("rollingUpdate goes with type: RollingUpdate", "rollingUpdate")
            _check_int_or_percent(self.rolling_update.max_surge, "maxSurge")
            _check_int_or_percent(self.rolling_update.max_unavailable, "maxUnavailable")
        return self

    @property
    def kind(self) -> StrategyKind:
        if self.blue_green is not None:
            return "blueGreen"
        if self.canary is not None:
            return "canary"
        if self.recreate is not None or self.type == "Recreate":
            return "recreate"
        return "rollingUpdate"


class RolloutSpec(ArgoModel):
    replicas: int | None = None
    selector: dict[str, Any] | None = None
    # A pod template, kept as written.
    template: dict[str, Any] | None = None
    workload_ref: dict[str, Any] | None = None
    revision_history_limit: int | None = None
    min_ready_seconds: int = 0
    progress_deadline_seconds: int | None = None
    progress_deadline_abort: bool = False
    paused: bool = False
    strategy: RolloutStrategy | None = None

    @model_validator(mode="after")
    def _check(self) -> RolloutSpec:
        if self.strategy is None:
            raise FieldProblem(
                "one strategy is required: blueGreen, canary or recreate", "strategy"
            )
        if self.template is None and self.workload_ref is None:
            raise FieldProblem("a pod template is required", "template")
        if self.template is not None and self.workload_ref is not None:
            raise FieldProblem("template and workloadRef are mutually exclusive", "workloadRef")
        if self.workload_ref is None:
            self._check_selector()
        for field in ("replicas", "revisionHistoryLimit", "minReadySeconds"):
            value = getattr(self, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), field))
            if value is not None and value < 0:
                raise FieldProblem(f"must be 0 or more, got {value}", field)
        if self.progress_deadline_seconds is not None and (
            self.progress_deadline_seconds <= self.min_ready_seconds
        ):
            raise FieldProblem(
                f"must be more than minReadySeconds ({self.min_ready_seconds}), got "
                f"{self.progress_deadline_seconds}",
                "progressDeadlineSeconds",
            )
        return self

    def _check_selector(self) -> None:
        if not self.selector:
            raise FieldProblem("a selector is required", "selector")
        wanted = self.selector.get("matchLabels") or {}
        template = self.template or {}
        metadata = template.get("metadata") if isinstance(template, dict) else None
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        labels = labels if isinstance(labels, dict) else {}
        for key, value in wanted.items() if isinstance(wanted, dict) else ():
            if labels.get(key) != value:
                raise FieldProblem(
                    f"selector wants {key}={value}, which the template's labels do not have",
                    "template",
                    "metadata",
                    "labels",
                )

    @property
    def replica_count(self) -> int:
        return DEFAULT_REPLICAS if self.replicas is None else self.replicas

    @property
    def history_limit(self) -> int:
        if self.revision_history_limit is None:
            return DEFAULT_REVISION_HISTORY_LIMIT
        return self.revision_history_limit

    @property
    def progress_deadline(self) -> int:
        if self.progress_deadline_seconds is None:
            return DEFAULT_PROGRESS_DEADLINE_SECONDS
        return self.progress_deadline_seconds

    @property
    def strategy_kind(self) -> StrategyKind:
        assert self.strategy is not None  # noqa: S101 - the validator requires one
        return self.strategy.kind


class Rollout(ArgoResource):
    api_version: Literal["argoproj.io/v1alpha1"] = "argoproj.io/v1alpha1"
    kind: Literal["Rollout"] = "Rollout"
    spec: RolloutSpec
    # Written by the controller, kept in Argo Rollouts' shape.
    status: dict[str, Any] | None = None

    @property
    def namespace(self) -> str:
        return self.metadata.namespace
