"""Both template forms, table-driven: what renders, and what is refused with the expression
named."""

from __future__ import annotations

from typing import Any

import pytest

from seaway.appset import Renderer, TemplateError, render_go, render_plain

DATA: dict[str, Any] = {
    "name": "Web-API",
    "env": "prod",
    "replicas": 3,
    "ratio": 1.5,
    "enabled": True,
    "empty": "",
    "path": {"path": "apps/web", "basename": "web", "segments": ["apps", "web"]},
    "labels": {"tier": "front"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{.env}}", "prod"),
        ("{{ .env }}", "prod"),
        ("{{.path.basename}}-{{.env}}", "web-prod"),
        ("{{index .path.segments 1}}", "web"),
        ('{{index .labels "tier"}}', "front"),
        ("{{.name | lower}}", "web-api"),
        ("{{.name | upper | trunc 3}}", "WEB"),
        ("{{trunc -3 .name}}", "API"),
        ('{{.name | replace "-" "_"}}', "Web_API"),
        ('{{.path.path | trimPrefix "apps/"}}', "web"),
        ('{{.path.basename | trimSuffix "eb"}}', "w"),
        ('{{default "dev" .missing}}', "dev"),
        ('{{.empty | default "none"}}', "none"),
        ("{{.env | quote}}", '"prod"'),
        ("{{.env | squote}}", "'prod'"),
        ("{{toJson .labels}}", '{"tier":"front"}'),
        ("{{.replicas}} {{.ratio}} {{.enabled}}", "3 1.5 true"),
        ("{{.labels}}", "map[tier:front]"),
        ("{{.path.segments}}", "[apps web]"),
        ("{{.missing}}", "<no value>"),
        ("a  {{- .env -}}  b", "aprodb"),
        ("a\n  {{- .env}}\n", "aprod\n"),
        ('{{if eq .env "prod"}}big{{else}}small{{end}}', "big"),
        ("{{if .empty}}x{{else if .enabled}}y{{else}}z{{end}}", "y"),
        ("{{if not .missing}}absent{{end}}", "absent"),
        ("{{if and .enabled (eq .replicas 3)}}ok{{end}}", "ok"),
        ('{{printf "%s-%d" .env .replicas}}', "prod-3"),
        ("{{len .path.segments}}", "2"),
        ("{{/* a comment */}}kept", "kept"),
        ("{{ `raw {{ text` }}", "raw {{ text"),
        ("{{normalize .name}}", "web-api"),
        ('{{join "," .path.segments}}', "apps,web"),
        ("no template here", "no template here"),
        ("{{toYaml .labels}}", "tier: front"),
        ("{{.path.segments | first}}/{{.path.segments | last}}", "apps/web"),
        ('{{ternary "on" "off" .enabled}}', "on"),
        ("{{.env | b64enc}}", "cHJvZA=="),
        ('{{"cHJvZA==" | b64dec}}', "prod"),
        ("{{.env | sha256sum | trunc 8}}", "6754af96"),
    ],
)
def test_go_template_renders_what_argo_cd_renders(template: str, expected: str) -> None:
    assert render_go(template, DATA) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{range .path.segments}}{{.}}{{end}}", "{{range}} is not supported"),
        ("{{with .labels}}{{.tier}}{{end}}", "{{with}} is not supported"),
        ("{{$x := .env}}", "variables ($) are not supported"),
        ("{{.env | adler32sum}}", 'function "adler32sum" is not supported'),
        ("{{.env", "unclosed action"),
        ("{{if .env}}x", "{{if}} without {{end}}"),
        ("{{end}}", "unexpected {{end}}"),
        ("{{lower .replicas}}", "lower expects a string"),
        ("{{index .path.segments 5}}", "index out of range: 5"),
        ("{{.env.more}}", "can't evaluate field more"),
        ("{{.missing.deeper}}", "nil pointer evaluating .missing.deeper"),
        ("{{.env 1}}", "can't give argument to non-function"),
        ('{{printf "%x" .env}}', "only %s, %d, %v and %q"),
        ("{{trunc}}", "wrong number of arguments for trunc"),
    ],
)
def test_go_template_refuses_what_it_cannot_render_and_names_it(
    template: str, message: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        render_go(template, DATA)
    assert message in str(caught.value)
    assert repr(template) in str(caught.value)


def test_missingkey_error_refuses_a_missing_parameter() -> None:
    with pytest.raises(TemplateError, match='map has no entry for key "nope"'):
        render_go("{{.nope}}", DATA, missing_error=True)
    assert render_go('{{default "x" .env}}', DATA, missing_error=True) == "prod"


PLAIN = {"cluster": "prod", "path.basename": "web", "path[0]": "apps", "values.size": "m"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{cluster}}", "prod"),
        ("{{ cluster }}", "prod"),
        ("{{path.basename}}-{{cluster}}", "web-prod"),
        ("{{path[0]}}/{{path.basename}}", "apps/web"),
        ("{{values.size}}", "m"),
        # Unknown parameters stay exactly as written, spaces and all (fasttemplate's way).
        ("{{unknown}}-{{ also.unknown }}", "{{unknown}}-{{ also.unknown }}"),
        ("{{.cluster}}", "{{.cluster}}"),
        ("plain", "plain"),
    ],
)
def test_plain_form_replaces_known_parameters_only(template: str, expected: str) -> None:
    assert render_plain(template, PLAIN) == expected


def test_renderer_keeps_types_renders_keys_and_names_the_field() -> None:
    renderer = Renderer({"env": "prod"}, go_template=True)
    out = renderer.value({"name": "{{.env}}", "replicas": 2, "labels": {"{{.env}}": "yes"}})
    assert out == {"name": "prod", "replicas": 2, "labels": {"prod": "yes"}}
    with pytest.raises(TemplateError, match=r"^spec.source.path: template"):
        renderer.value({"source": {"path": "{{.env | nope}}"}}, "spec")
