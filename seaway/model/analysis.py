"""Argo Rollouts' analysis resources: AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun.

Field for field as Argo Rollouts writes them (argoproj.io/v1alpha1), so its manifests load
unchanged, plus three providers of Seaway's own, marked below: `sanity` (the built-in HTTP
sanity check), `command` (a local process, the local backend's job) and `router` (the local
router's own request metrics). Checks Argo Rollouts makes when it validates a metric are made
here, at load time; what depends on arguments ("{{args.name}}") is checked again once they are
substituted (`resolve_metric`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Final, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from seaway.model.base import ArgoModel, FieldProblem, ObjectMeta, name_problem
from seaway.model.durations import parse_go_duration

# Argo Rollouts retries a metric whose measurement errored this many times in a row before the
# metric is in Error, when the metric does not say.
DEFAULT_CONSECUTIVE_ERROR_LIMIT: Final = 4
# Argo Rollouts' wait before retrying a measurement that errored.
DEFAULT_ERROR_RETRY_INTERVAL: Final = timedelta(seconds=10)
DEFAULT_WEB_TIMEOUT_SECONDS: Final = 10
DEFAULT_PROMETHEUS_TIMEOUT_SECONDS: Final = 30
DEFAULT_COMMAND_TIMEOUT_SECONDS: Final = 60
DEFAULT_SANITY_TIMEOUT_SECONDS: Final = 5.0

_ARG_REFERENCE = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
_INTEGER = re.compile(r"[+-]?\d+")

# Providers Argo Rollouts has and Seaway does not run; named in the error so that a template
# written for Argo Rollouts says clearly why it does not load.
_FOREIGN_PROVIDERS = (
    "datadog",
    "newRelic",
    "wavefront",
    "kayenta",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
)
PROVIDER_NAMES: Final = ("web", "prometheus", "job", "sanity", "command", "router")


class ArgumentError(ValueError):
    """An argument a metric refers to has no value."""


def has_arg_reference(text: str) -> bool:
    return _ARG_REFERENCE.search(text) is not None


def substitute_args(text: str, values: Mapping[str, str]) -> str:
    """`text` with every "{{args.name}}" replaced by the argument's value."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ArgumentError(f"{{{{args.{name}}}}} refers to an argument that is not given")
        return values[name]

    return _ARG_REFERENCE.sub(value, text)


class SecretKeyRef(ArgoModel):
    name: str
    key: str


class FieldRef(ArgoModel):
    field_path: str


class ValueFrom(ArgoModel):
    """Where an argument's value comes from when it is not written out.

    `secretKeyRef` is an AnalysisTemplate's; `podTemplateHashValue` ("Stable" or "Latest") and
    `fieldRef` are a Rollout's. The controller reads them; the analysis engine only sees values.
    """

    secret_key_ref: SecretKeyRef | None = None
    field_ref: FieldRef | None = None
    pod_template_hash_value: Literal["Stable", "Latest"] | None = None


class Argument(ArgoModel):
    name: str
    value: str | None = None
    value_from: ValueFrom | None = None

    @model_validator(mode="after")
    def _check(self) -> Argument:
        if not self.name:
            raise FieldProblem("an argument needs a name", "name")
        if self.value is not None and self.value_from is not None:
            raise FieldProblem("value and valueFrom are mutually exclusive; keep one", "valueFrom")
        return self


def merge_args(defaults: Sequence[Argument], given: Sequence[Argument]) -> list[Argument]:
    """A template's arguments with the values a Rollout (or a caller) gives taking precedence."""
    by_name = {arg.name: arg for arg in defaults}
    for arg in given:
        by_name[arg.name] = arg
    return list(by_name.values())


def arg_values(args: Sequence[Argument]) -> dict[str, str]:
    """The values of arguments, for substitution; an argument without a value is an error."""
    values: dict[str, str] = {}
    for arg in args:
        if arg.value is None:
            if arg.value_from is not None:
                raise ArgumentError(
                    f"argument {arg.name!r} takes its value from valueFrom, which the "
                    "controller resolves; give the value to run the analysis"
                )
            raise ArgumentError(f"argument {arg.name!r} has no value")
        values[arg.name] = arg.value
    return values


class WebHeader(ArgoModel):
    key: str
    value: str


class WebMetric(ArgoModel):
    url: str
    method: Literal["GET", "POST", "PUT"] = "GET"
    headers: list[WebHeader] = Field(default_factory=list)
    body: str = ""
    # An object sent as the JSON body (Argo Rollouts' jsonBody); exclusive with `body`.
    json_body: Any = None
    # Argo Rollouts' `{$.data.value}`; empty means the whole answer.
    json_path: str = ""
    timeout_seconds: int = 0
    insecure: bool = False

    @model_validator(mode="after")
    def _check(self) -> WebMetric:
        if not self.url:
            raise FieldProblem("a url is required", "url")
        if self.body and self.json_body is not None:
            raise FieldProblem("body and jsonBody are mutually exclusive; keep one", "jsonBody")
        if self.timeout_seconds < 0:
            raise FieldProblem(f"must be 0 or more, got {self.timeout_seconds}", "timeoutSeconds")
        return self

    @property
    def timeout(self) -> float:
        return float(self.timeout_seconds or DEFAULT_WEB_TIMEOUT_SECONDS)


class PrometheusMetric(ArgoModel):
    address: str = ""
    query: str
    # Seconds, as in Argo Rollouts.
    timeout: int | None = None
    headers: list[WebHeader] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> PrometheusMetric:
        if not self.query:
            raise FieldProblem("a query is required", "query")
        if self.timeout is not None and self.timeout <= 0:
            raise FieldProblem(f"must be more than 0, got {self.timeout}", "timeout")
        return self

    @property
    def timeout_seconds(self) -> float:
        return float(self.timeout or DEFAULT_PROMETHEUS_TIMEOUT_SECONDS)


class JobMetric(ArgoModel):
    metadata: dict[str, Any] = Field(default_factory=dict)
    # A Kubernetes Job spec, kept as written.
    spec: dict[str, Any]


class SanityRequest(ArgoModel):
    method: str = "GET"
    path: str
    expect_status: int = 200
    body: Any = None
    expect_json: dict[str, Any] = Field(default_factory=dict)


class SanityMetric(ArgoModel):
    """Seaway's own provider: the built-in sanity check against `url`.

    No requests means Seaway's standard checks (up, key endpoints, a CRUD round trip), with
    `version` expected from /version when given.
    """

    url: str
    requests: list[SanityRequest] = Field(default_factory=list)
    version: str | None = None
    timeout_seconds: float = DEFAULT_SANITY_TIMEOUT_SECONDS

    @model_validator(mode="after")
    def _check(self) -> SanityMetric:
        if not self.url:
            raise FieldProblem("a url is required", "url")
        if self.timeout_seconds <= 0:
            raise FieldProblem(f"must be more than 0, got {self.timeout_seconds}", "timeoutSeconds")
        return self


class CommandMetric(ArgoModel):
    """Seaway's own provider: a process on the controller's host, the local backend's job.

    Exit status 0 is a successful measurement, anything else a failed one.
    """

    command: list[str]
    timeout_seconds: int = DEFAULT_COMMAND_TIMEOUT_SECONDS

    @model_validator(mode="after")
    def _check(self) -> CommandMetric:
        if not self.command or not self.command[0]:
            raise FieldProblem("a command is required, e.g. [./smoke-test, --quick]", "command")
        if self.timeout_seconds <= 0:
            raise FieldProblem(f"must be more than 0, got {self.timeout_seconds}", "timeoutSeconds")
        return self


RouterMetricName = Literal["errorRate", "p50", "p95", "p99", "requests"]


class RouterMetric(ArgoModel):
    """Seaway's own provider: the local router's numbers for one backend group of a Service,
    over the time since the previous measurement (errorRate is 5xx / requests, p50/p95/p99 are
    latencies in seconds; no requests in the window gives nil)."""

    service: str
    group: str
    metric: RouterMetricName


class MetricProvider(ArgoModel):
    web: WebMetric | None = None
    prometheus: PrometheusMetric | None = None
    job: JobMetric | None = None
    sanity: SanityMetric | None = None
    command: CommandMetric | None = None
    router: RouterMetric | None = None

    @model_validator(mode="after")
    def _check(self) -> MetricProvider:
        given = [name for name in PROVIDER_NAMES if getattr(self, name) is not None]
        foreign = [name for name in _FOREIGN_PROVIDERS if name in (self.model_extra or {})]
        if foreign and not given:
            raise FieldProblem(
                f"{foreign[0]} is an Argo Rollouts provider Seaway does not run; use one of "
                + ", ".join(PROVIDER_NAMES),
                foreign[0],
            )
        if not given:
            raise FieldProblem("no provider given; use one of " + ", ".join(PROVIDER_NAMES))
        if len(given) + len(foreign) > 1:
            raise FieldProblem(
                "multiple providers given (" + ", ".join(given + foreign) + "); keep one"
            )
        return self

    @property
    def kind(self) -> str:
        return next(name for name in PROVIDER_NAMES if getattr(self, name) is not None)


IntOrString = int | str


def _int_or_arg(value: IntOrString | None, field: str) -> None:
    if isinstance(value, str) and not has_arg_reference(value) and not _INTEGER.fullmatch(value):
        raise FieldProblem(
            f"must be an integer or an {{{{args.name}}}} reference, not {value!r}", field
        )


def _as_int(value: IntOrString | None, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise ValueError(f"{field} must be an integer, got {value!r}")


class Metric(ArgoModel):
    name: str
    interval: str = ""
    initial_delay: str = ""
    count: IntOrString | None = None
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: IntOrString | None = None
    inconclusive_limit: IntOrString | None = None
    consecutive_error_limit: IntOrString | None = None
    provider: MetricProvider

    @model_validator(mode="after")
    def _check(self) -> Metric:
        if not self.name:
            raise FieldProblem("a metric needs a name", "name")
        for field in ("count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"):
            _int_or_arg(getattr(self, _snake(field)), field)
        for field in ("interval", "initialDelay"):
            text = getattr(self, _snake(field))
            if text and not has_arg_reference(text):
                try:
                    parse_go_duration(text)
                except ValueError as error:
                    raise FieldProblem(str(error), field) from None
        if not any(
            isinstance(getattr(self, _snake(f)), str)
            for f in ("count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit")
        ):
            self._check_limits()
        return self

    def _check_limits(self) -> None:
        """Argo Rollouts' rules on counts and limits, once they are numbers."""
        count = self.count_value or 0
        for field in ("failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"):
            value = getattr(self, _snake(field))
            if isinstance(value, int) and value < 0:
                raise FieldProblem(f"must be 0 or more, got {value}", field)
        if count > 0 and count < self.failure_limit_value:
            raise FieldProblem(
                f"count ({count}) must be at least failureLimit ({self.failure_limit_value})",
                "count",
            )
        if count > 0 and count < self.inconclusive_limit_value:
            raise FieldProblem(
                f"count ({count}) must be at least inconclusiveLimit "
                f"({self.inconclusive_limit_value})",
                "count",
            )
        if count > 1 and not self.interval:
            raise FieldProblem("an interval is required when count is more than 1", "interval")

    @property
    def count_value(self) -> int | None:
        return _as_int(self.count, "count")

    @property
    def failure_limit_value(self) -> int:
        return _as_int(self.failure_limit, "failureLimit") or 0

    @property
    def inconclusive_limit_value(self) -> int:
        return _as_int(self.inconclusive_limit, "inconclusiveLimit") or 0

    @property
    def consecutive_error_limit_value(self) -> int:
        value = _as_int(self.consecutive_error_limit, "consecutiveErrorLimit")
        return DEFAULT_CONSECUTIVE_ERROR_LIMIT if value is None else value

    @property
    def effective_count(self) -> int | None:
        """How many measurements the metric takes; None for "until the run ends".

        As in Argo Rollouts: no count and no interval is one measurement; an interval without
        a count measures until the run is stopped.
        """
        count = self.count_value
        if not count:
            return None if self.interval else 1
        return count

    @property
    def interval_delta(self) -> timedelta | None:
        return parse_go_duration(self.interval) if self.interval else None

    @property
    def initial_delay_delta(self) -> timedelta:
        return parse_go_duration(self.initial_delay) if self.initial_delay else timedelta(0)


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)


def _substitute_all(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return substitute_args(value, values)
    if isinstance(value, list):
        return [_substitute_all(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _substitute_all(item, values) for key, item in value.items()}
    return value


def resolve_metric(metric: Metric, values: Mapping[str, str]) -> Metric:
    """The metric with "{{args.name}}" substituted everywhere, checked again as a whole.

    Raises ArgumentError for an argument that is not given, ValueError when the result is not
    a valid metric (e.g. count: "{{args.count}}" given "many").
    """
    try:
        resolved = Metric.model_validate(_substitute_all(metric.to_dict(), values))
        # Limits that were references could not be checked at load time.
        resolved._check_limits()
    except ValidationError as error:
        detail = error.errors()[0]
        cause = (detail.get("ctx") or {}).get("error")
        loc: list[str | int] = list(detail["loc"])
        if isinstance(cause, FieldProblem):
            loc.extend(cause.path)
            message = cause.message
        else:
            message = detail["msg"]
        where = ".".join(str(part) for part in loc)
        raise ValueError(f"metric {metric.name!r}: {where}: {message}") from None
    except FieldProblem as problem:
        where = ".".join(str(part) for part in problem.path)
        raise ValueError(f"metric {metric.name!r}: {where}: {problem.message}") from None
    return resolved


class DryRun(ArgoModel):
    # A regular expression over metric names, as in Argo Rollouts (".*" for all).
    metric_name: str

    @field_validator("metric_name")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"invalid regular expression {value!r}: {error}") from None
        return value


class MeasurementRetention(ArgoModel):
    metric_name: str
    limit: int


class AnalysisTemplateSpec(ArgoModel):
    metrics: list[Metric]
    args: list[Argument] = Field(default_factory=list)
    dry_run: list[DryRun] = Field(default_factory=list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> AnalysisTemplateSpec:
        if not self.metrics:
            raise FieldProblem("at least one metric is required", "metrics")
        seen: set[str] = set()
        for index, metric in enumerate(self.metrics):
            if metric.name in seen:
                raise FieldProblem(
                    f"metric name {metric.name!r} is used twice", "metrics", index, "name"
                )
            seen.add(metric.name)
        names: set[str] = set()
        for index, arg in enumerate(self.args):
            if arg.name in names:
                raise FieldProblem(f"argument {arg.name!r} is given twice", "args", index, "name")
            names.add(arg.name)
        for index, metric in enumerate(self.metrics):
            for name in _referenced_args(metric):
                if name not in names:
                    raise FieldProblem(
                        f"refers to {{{{args.{name}}}}}, but args has no {name!r}",
                        "metrics",
                        index,
                    )
        return self

    def dry_run_names(self) -> frozenset[str]:
        """The metrics whose results do not decide the run (Argo Rollouts' dryRun)."""
        return frozenset(
            metric.name
            for metric in self.metrics
            if any(re.search(rule.metric_name, metric.name) for rule in self.dry_run)
        )


def _referenced_args(metric: Metric) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(_ARG_REFERENCE.findall(value))
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(metric.to_dict())
    return found


class AnalysisRunSpec(AnalysisTemplateSpec):
    # Asks a running analysis to stop; metrics still measuring end as Successful.
    terminate: bool = False


class ArgoResource(ArgoModel):
    """What the analysis kinds share: a name Kubernetes accepts, and a manifest's first keys."""

    api_version: str = "argoproj.io/v1alpha1"
    kind: str = ""
    metadata: ObjectMeta

    # A field validator, so a bad name is reported even when the spec has problems too.
    @field_validator("metadata")
    @classmethod
    def _check_name(cls, metadata: ObjectMeta) -> ObjectMeta:
        problem = name_problem(metadata.name)
        if problem is not None:
            raise FieldProblem(problem, "name")
        return metadata

    @property
    def name(self) -> str:
        return self.metadata.name

    def to_dict(self) -> dict[str, Any]:
        # apiVersion and kind have defaults and so may be "unset"; a manifest needs them.
        return {"apiVersion": self.api_version, "kind": self.kind, **super().to_dict()}


class AnalysisTemplate(ArgoResource):
    api_version: Literal["argoproj.io/v1alpha1"] = "argoproj.io/v1alpha1"
    kind: Literal["AnalysisTemplate"] = "AnalysisTemplate"
    spec: AnalysisTemplateSpec


class ClusterAnalysisTemplate(ArgoResource):
    api_version: Literal["argoproj.io/v1alpha1"] = "argoproj.io/v1alpha1"
    kind: Literal["ClusterAnalysisTemplate"] = "ClusterAnalysisTemplate"
    spec: AnalysisTemplateSpec


class AnalysisRun(ArgoResource):
    api_version: Literal["argoproj.io/v1alpha1"] = "argoproj.io/v1alpha1"
    kind: Literal["AnalysisRun"] = "AnalysisRun"
    spec: AnalysisRunSpec
    # Written by the analysis engine, kept in Argo Rollouts' shape.
    status: dict[str, Any] | None = None


def run_spec(
    templates: Sequence[AnalysisTemplateSpec], args: Sequence[Argument] = ()
) -> AnalysisRunSpec:
    """The AnalysisRun spec a Rollout step creates from its templates and arguments.

    Metrics and dry-run rules are concatenated in template order; a metric name used by two
    templates is an error, as in Argo Rollouts.
    """
    metrics: list[Metric] = []
    defaults: list[Argument] = []
    dry_run: list[DryRun] = []
    retention: list[MeasurementRetention] = []
    for template in templates:
        metrics.extend(template.metrics)
        defaults = merge_args(defaults, template.args)
        dry_run.extend(template.dry_run)
        retention.extend(template.measurement_retention)
    return AnalysisRunSpec(
        metrics=metrics,
        args=merge_args(defaults, args),
        dry_run=dry_run,
        measurement_retention=retention,
    )
