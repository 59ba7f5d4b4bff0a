"""Rollouts and analysis templates load from real-world manifests; every bad field gets an error
that names file, document, object and field."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from seaway.model import (
    ALL_KINDS,
    ROLLOUT_KINDS,
    AnalysisTemplate,
    ArgumentError,
    ManifestError,
    Rollout,
    load_documents,
    parse_object,
    resolve_metric,
    run_spec,
)
from seaway.model.analysis import Argument, arg_values
from tests.model.manifests import GUESTBOOK
from tests.rollout.manifests import BLUE_GREEN, CANARY, TEMPLATE


def _errors(text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_documents(text, "r.yaml", kinds=ROLLOUT_KINDS)
    return str(caught.value).splitlines()


def _edit(text: str, value: Any, *path: str | int) -> str:
    """The manifest with the value at `path` replaced; None removes it."""
    doc = yaml.safe_load(text)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return yaml.safe_dump(doc, sort_keys=False)


def test_canary_loads_with_steps_and_analysis() -> None:
    [rollout] = load_documents(CANARY, "r.yaml", kinds=ROLLOUT_KINDS)
    assert isinstance(rollout, Rollout)
    spec = rollout.spec
    assert (spec.replica_count, spec.history_limit, spec.progress_deadline) == (5, 3, 600)
    assert spec.strategy_kind == "canary"
    assert spec.strategy is not None
    canary = spec.strategy.canary
    assert canary is not None
    assert [step.action for step in canary.steps] == [
        "setWeight",
        "pause",
        "setHeaderRoute",
        "analysis",
        "setCanaryScale",
        "setWeight",
        "pause",
        "pause",
    ]
    assert [s.pause.seconds for s in canary.steps if s.pause is not None] == [600.0, 45.0, None]
    route = canary.steps[2].set_header_route
    assert route is not None
    assert route.match[0].header_name == "X-Beta"
    assert route.match[1].cookie_name == "group"
    assert route.match[1].cookie_value is not None
    assert route.match[1].cookie_value.prefix == "beta"
    analysis = canary.steps[3].analysis
    assert analysis is not None
    assert [(t.template_name, t.cluster_scope) for t in analysis.templates] == [
        ("success-rate", False),
        ("global-smoke", True),
    ]
    assert analysis.args[1].value_from is not None
    assert analysis.args[1].value_from.pod_template_hash_value == "Latest"
    assert canary.analysis is not None
    assert canary.analysis.starting_step == 2
    assert canary.traffic_routing is not None
    assert canary.traffic_routing.seaway is not None
    assert canary.traffic_routing.seaway.router == "local"
    # Loading and writing back gives the manifest again.
    assert rollout.to_dict() == yaml.safe_load(CANARY)


def test_blue_green_loads_with_pre_and_post_promotion_analysis() -> None:
    rollout = parse_object(yaml.safe_load(BLUE_GREEN), kinds=ROLLOUT_KINDS)
    assert isinstance(rollout, Rollout)
    assert rollout.spec.strategy is not None
    blue_green = rollout.spec.strategy.blue_green
    assert blue_green is not None
    assert (blue_green.active_service, blue_green.preview_service) == (
        "checkout-active",
        "checkout-preview",
    )
    assert blue_green.auto_promotion_enabled is False
    assert blue_green.pre_promotion_analysis is not None
    assert blue_green.pre_promotion_analysis.templates[0].template_name == "smoke-tests"
    assert blue_green.post_promotion_analysis is not None
    assert rollout.to_dict() == yaml.safe_load(BLUE_GREEN)


def test_template_loads_with_prometheus_and_web_metrics() -> None:
    [template] = load_documents(TEMPLATE, "t.yaml", kinds=ROLLOUT_KINDS)
    assert isinstance(template, AnalysisTemplate)
    rate, web = template.spec.metrics
    assert rate.provider.kind == "prometheus"
    assert (rate.effective_count, rate.failure_limit_value, rate.consecutive_error_limit_value) == (
        3,
        1,
        4,
    )
    assert web.provider.kind == "web"
    assert web.effective_count == 1
    assert web.provider.web is not None
    assert web.provider.web.timeout == 20.0
    spec = run_spec([template.spec], [Argument(name="service-name", value="guestbook")])
    values = arg_values(spec.args)
    assert values == {"service-name": "guestbook", "prometheus-port": "9090"}
    resolved = resolve_metric(rate, values)
    assert resolved.provider.prometheus is not None
    assert resolved.provider.prometheus.address == "http://prometheus.monitoring:9090"
    assert 'destination_service=~"guestbook"' in resolved.provider.prometheus.query
    with pytest.raises(ArgumentError, match="service-name"):
        arg_values(template.spec.args)


def test_default_kinds_stay_application_and_project() -> None:
    with pytest.raises(ManifestError, match=r"\(Application or AppProject\)"):
        load_documents(CANARY, "r.yaml")
    objects = load_documents(GUESTBOOK + "---\n" + CANARY, "all.yaml", kinds=ALL_KINDS)
    assert [o.kind for o in objects] == ["Application", "Rollout"]


def test_unknown_kind_lists_the_kinds_asked_for() -> None:
    assert _errors(CANARY.replace("kind: Rollout", "kind: Deployment")) == [
        "r.yaml, document 1 (Deployment guestbook): kind: Deployment is not a kind Seaway reads "
        "(Rollout, AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun)"
    ]


CANARY_PREFIX = "r.yaml, document 1 (Rollout guestbook): "
STRATEGY = ("spec", "strategy")
STEPS = ("spec", "strategy", "canary", "steps")


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        (
            None,
            ("spec", "strategy"),
            "spec.strategy: one strategy is required: blueGreen, canary or recreate",
        ),
        ({}, STRATEGY, "spec.strategy: one strategy is required: blueGreen, canary or recreate"),
        (
            {"activeService": "a"},
            (*STRATEGY, "blueGreen"),
            "spec.strategy: only one strategy can be given, this one has blueGreen and canary",
        ),
        (
            {"setWeight": 120},
            (*STEPS, 0),
            "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got 120",
        ),
        (
            {"setWeight": -1},
            (*STEPS, 0),
            "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got -1",
        ),
        (
            {},
            (*STEPS, 0),
            "spec.strategy.canary.steps[0]: a step needs one action: setWeight, "
            "pause, analysis, setCanaryScale, setHeaderRoute, experiment, setMirrorRoute, plugin",
        ),
        (
            {"setWeight": 10, "pause": {}},
            (*STEPS, 0),
            "spec.strategy.canary.steps[0]: a step has "
            "exactly one action, this one has setWeight and pause; split it into steps",
        ),
        (
            {"duration": "ten minutes"},
            (*STEPS, 1, "pause"),
            "spec.strategy.canary.steps[1].pause.duration: invalid duration 'ten minutes': use a "
            "number with a unit, e.g. 30s, 2m or 1h30m",
        ),
        (
            {"duration": -5},
            (*STEPS, 1, "pause"),
            "spec.strategy.canary.steps[1].pause.duration: must not be negative, got -5",
        ),
        (
            {"name": "beta-users", "match": [{"headerName": "X-Beta"}]},
            (*STEPS, 2, "setHeaderRoute"),
            "spec.strategy.canary.steps[2].setHeaderRoute.match[0].headerValue: a headerValue is "
            "required",
        ),
        (
            {
                "name": "beta-users",
                "match": [{"headerName": "X", "headerValue": {"exact": "a", "prefix": "b"}}],
            },
            (*STEPS, 2, "setHeaderRoute"),
            "spec.strategy.canary.steps[2].setHeaderRoute.match[0].headerValue: exactly one of "
            "exact, prefix or regex is required",
        ),
        (
            {"name": "beta-users", "match": [{"cookieName": "g", "cookieValue": {"regex": "("}}]},
            (*STEPS, 2, "setHeaderRoute"),
            "spec.strategy.canary.steps[2].setHeaderRoute.match[0].cookieValue.regex: invalid "
            "regular expression '(': missing ), unterminated subpattern at position 0",
        ),
        (
            {"name": "alpha"},
            (*STEPS, 2, "setHeaderRoute"),
            "spec.strategy.canary.steps[2].setHeaderRoute.name: route 'alpha' is not listed in "
            "trafficRouting.managedRoutes",
        ),
        (
            {"weight": 10, "replicas": 1},
            (*STEPS, 4, "setCanaryScale"),
            "spec.strategy.canary.steps[4].setCanaryScale: exactly one of weight, replicas or "
            "matchTrafficWeight is required",
        ),
        (
            [],
            (*STEPS, 3, "analysis", "templates"),
            "spec.strategy.canary.steps[3].analysis.templates: at least one template is required",
        ),
        (
            {"name": "x", "value": "1", "valueFrom": {"podTemplateHashValue": "Stable"}},
            (*STEPS, 3, "analysis", "args", 0),
            "spec.strategy.canary.steps[3].analysis.args[0].valueFrom: value and valueFrom are "
            "mutually exclusive; keep one",
        ),
        (
            "guestbook-canary",
            ("spec", "strategy", "canary", "stableService"),
            "spec.strategy.canary.stableService: canaryService and stableService must be two "
            "different services",
        ),
        (
            None,
            ("spec", "strategy", "canary", "canaryService"),
            "spec.strategy.canary.canaryService: trafficRouting needs a canaryService",
        ),
        (
            "lots",
            ("spec", "strategy", "canary", "maxSurge"),
            "spec.strategy.canary.maxSurge: must be a number or a percentage like 25%, not 'lots'",
        ),
        (
            9,
            ("spec", "strategy", "canary", "analysis", "startingStep"),
            "spec.strategy.canary.analysis.startingStep: startingStep 9 is past the last step "
            "(8 steps)",
        ),
        (None, ("spec", "template"), "spec.template: a pod template is required"),
        (None, ("spec", "selector"), "spec.selector: a selector is required"),
        (
            {"matchLabels": {"app": "other"}},
            ("spec", "selector"),
            "spec.template.metadata.labels: selector wants app=other, which the template's labels "
            "do not have",
        ),
        (-1, ("spec", "replicas"), "spec.replicas: must be 0 or more, got -1"),
        (
            "Guestbook",
            ("metadata", "name"),
            "metadata.name: 'Guestbook' is not a valid name: use "
            "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
        ),
    ],
)
def test_rollout_errors(value: Any, path: tuple[str | int, ...], expected: str) -> None:
    name = "Guestbook" if path == ("metadata", "name") else "guestbook"
    assert _errors(_edit(CANARY, value, *path)) == [
        CANARY_PREFIX.replace("guestbook", name) + expected
    ]


BG = ("spec", "strategy", "blueGreen")


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        (
            None,
            (*BG, "activeService"),
            "spec.strategy.blueGreen.activeService: an activeService is required",
        ),
        (
            "checkout-active",
            (*BG, "previewService"),
            "spec.strategy.blueGreen.previewService: previewService must differ from activeService",
        ),
        (
            -1,
            (*BG, "previewReplicaCount"),
            "spec.strategy.blueGreen.previewReplicaCount: must be 0 or more, got -1",
        ),
        (
            {"templates": []},
            (*BG, "prePromotionAnalysis"),
            "spec.strategy.blueGreen.prePromotionAnalysis.templates: at least one template is "
            "required",
        ),
        (
            "sometimes",
            (*BG, "autoPromotionEnabled"),
            "spec.strategy.blueGreen."
            "autoPromotionEnabled: input should be a valid boolean, unable to interpret input",
        ),
    ],
)
def test_blue_green_errors(value: Any, path: tuple[str | int, ...], expected: str) -> None:
    assert _errors(_edit(BLUE_GREEN, value, *path)) == [
        "r.yaml, document 1 (Rollout checkout): " + expected
    ]


def test_recreate_and_deployment_strategies() -> None:
    base = yaml.safe_load(BLUE_GREEN)
    for strategy, kind in [
        ({"recreate": {}}, "recreate"),
        ({"type": "Recreate"}, "recreate"),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "rollingUpdate"),
    ]:
        base["spec"]["strategy"] = strategy
        [rollout] = load_documents(yaml.safe_dump(base), "r.yaml", kinds=ROLLOUT_KINDS)
        assert isinstance(rollout, Rollout)
        assert rollout.spec.strategy_kind == kind
    base["spec"]["strategy"] = {"recreate": {}, "rollingUpdate": {"maxSurge": 1}}
    assert _errors(yaml.safe_dump(base)) == [
        "r.yaml, document 1 (Rollout checkout): spec.strategy.rollingUpdate: rollingUpdate goes "
        "with type: RollingUpdate"
    ]


METRIC = ("spec", "metrics", 0)
TEMPLATE_PREFIX = "r.yaml, document 1 (AnalysisTemplate success-rate): "


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        ([], ("spec", "metrics"), "spec.metrics: at least one metric is required"),
        (
            "webmetric",
            (*METRIC, "name"),
            "spec.metrics[1].name: metric name 'webmetric' is used twice",
        ),
        (
            None,
            (*METRIC, "interval"),
            "spec.metrics[0].interval: an interval is required when count is more than 1",
        ),
        (
            "5 minutes",
            (*METRIC, "interval"),
            "spec.metrics[0].interval: invalid duration "
            "'5 minutes': use a number with a unit, e.g. 30s, 2m or 1h30m",
        ),
        (
            "soon",
            (*METRIC, "initialDelay"),
            "spec.metrics[0].initialDelay: invalid duration "
            "'soon': use a number with a unit, e.g. 30s, 2m or 1h30m",
        ),
        (
            5,
            (*METRIC, "failureLimit"),
            "spec.metrics[0].count: count (3) must be at least failureLimit (5)",
        ),
        (
            -1,
            (*METRIC, "inconclusiveLimit"),
            "spec.metrics[0].inconclusiveLimit: must be 0 or more, got -1",
        ),
        (
            -2,
            (*METRIC, "consecutiveErrorLimit"),
            "spec.metrics[0].consecutiveErrorLimit: must be 0 or more, got -2",
        ),
        (
            "three",
            (*METRIC, "count"),
            "spec.metrics[0].count: must be an integer or an {{args.name}} reference, not 'three'",
        ),
        (
            {},
            (*METRIC, "provider"),
            "spec.metrics[0].provider: no provider given; use one of "
            "web, prometheus, job, sanity, command, router",
        ),
        (
            {"datadog": {"query": "x"}},
            (*METRIC, "provider"),
            "spec.metrics[0].provider.datadog: "
            "datadog is an Argo Rollouts provider Seaway does not run; use one of web, prometheus, "
            "job, sanity, command, router",
        ),
        (
            {"web": {"url": "http://x"}, "command": {"command": ["true"]}},
            (*METRIC, "provider"),
            "spec.metrics[0].provider: multiple providers given (web, command); keep one",
        ),
        (
            {"command": {"command": []}},
            (*METRIC, "provider"),
            "spec.metrics[0].provider.command."
            "command: a command is required, e.g. [./smoke-test, --quick]",
        ),
        (
            {"router": {"service": "s", "group": "canary", "metric": "p90"}},
            (*METRIC, "provider"),
            "spec.metrics[0].provider.router.metric: input should be 'errorRate', 'p50', 'p95', "
            "'p99' or 'requests'",
        ),
        (
            {"prometheus": {"query": ""}},
            (*METRIC, "provider"),
            "spec.metrics[0].provider.prometheus.query: a query is required",
        ),
        (
            "PATCH",
            ("spec", "metrics", 1, "provider", "web", "method"),
            "spec.metrics[1].provider.web.method: input should be 'GET', 'POST' or 'PUT'",
        ),
        (
            [{"name": "prometheus-port", "value": "9090"}],
            ("spec", "args"),
            "spec.metrics[0]: refers to {{args.service-name}}, but args has no 'service-name'",
        ),
        (
            [{"name": "x"}, {"name": "x"}, {"name": "service-name"}, {"name": "prometheus-port"}],
            ("spec", "args"),
            "spec.args[1].name: argument 'x' is given twice",
        ),
        (
            [{"metricName": "("}],
            ("spec", "dryRun"),
            "spec.dryRun[0].metricName: invalid regular "
            "expression '(': missing ), unterminated subpattern at position 0",
        ),
    ],
)
def test_template_errors(value: Any, path: tuple[str | int, ...], expected: str) -> None:
    assert _errors(_edit(TEMPLATE, value, *path)) == [TEMPLATE_PREFIX + expected]


def test_resolved_arguments_are_checked_again() -> None:
    [template] = load_documents(TEMPLATE, "t.yaml", kinds=ROLLOUT_KINDS)
    assert isinstance(template, AnalysisTemplate)
    metric = template.spec.metrics[0].model_copy(update={"count": "{{args.count}}"})
    with pytest.raises(ArgumentError, match=r"\{\{args.count\}\} refers to an argument"):
        resolve_metric(metric, {"service-name": "a", "prometheus-port": "1"})
    with pytest.raises(ValueError, match=r"metric .success-rate.: count: must be an integer"):
        resolve_metric(metric, {"service-name": "a", "prometheus-port": "1", "count": "many"})
    resolved = resolve_metric(metric, {"service-name": "a", "prometheus-port": "1", "count": "4"})
    assert resolved.effective_count == 4


def test_cluster_template_and_run_load() -> None:
    doc = yaml.safe_load(TEMPLATE)
    doc["kind"] = "ClusterAnalysisTemplate"
    run = yaml.safe_load(TEMPLATE)
    run["kind"] = "AnalysisRun"
    run["metadata"]["name"] = "guestbook-7f9c-2"
    run["spec"]["args"][0] = {
        "name": "service-name",
        "valueFrom": {"secretKeyRef": {"name": "svc", "key": "name"}},
    }
    run["spec"]["terminate"] = True
    text = yaml.safe_dump(doc) + "---\n" + yaml.safe_dump(run)
    template, analysis_run = load_documents(text, "t.yaml", kinds=ROLLOUT_KINDS)
    assert template.kind == "ClusterAnalysisTemplate"
    assert analysis_run.kind == "AnalysisRun"
    assert analysis_run.spec.terminate  # type: ignore[union-attr]
    with pytest.raises(ArgumentError, match="takes its value from valueFrom"):
        arg_values(analysis_run.spec.args)  # type: ignore[union-attr]
