"""Generators, table-driven: list, clusters (from cluster Secrets), matrix, merge, values and
post-selectors, in both parameter shapes; and their errors. Git generators are in
test_git_generators.py (on real repos)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from seaway.appset import GeneratorError, Inputs, Mode, generate
from seaway.model.applicationset import Generator

GO = Mode(go_template=True)
PLAIN = Mode()


def secret(name: str, server: str, **labels: str) -> dict[str, Any]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"cluster-{name}",
            "labels": {"argocd.argoproj.io/secret-type": "cluster", **labels},
            "annotations": {"team": "blue"},
        },
        "data": {"name": b64(name), "server": b64(server)},
    }


CLUSTERS = [
    secret("Prod-EU", "https://prod.example", env="prod"),
    secret("staging", "https://staging.example", env="staging"),
    # Not a cluster Secret: ignored.
    {"metadata": {"name": "other", "labels": {}}, "data": {}},
]


def gen(spec: dict[str, Any]) -> Generator:
    return Generator.model_validate(spec)


def params(spec: dict[str, Any], mode: Mode = PLAIN, inputs: Inputs | None = None) -> Any:
    return generate(gen(spec), inputs or Inputs(clusters=CLUSTERS), mode).params


@pytest.mark.parametrize(
    ("spec", "mode", "expected"),
    [
        (
            {"list": {"elements": [{"env": "dev"}, {"env": "prod", "replicas": 3}]}},
            PLAIN,
            [{"env": "dev"}, {"env": "prod", "replicas": "3"}],
        ),
        (
            {"list": {"elements": [{"env": "dev", "values": {"size": "s"}}]}},
            PLAIN,
            [{"env": "dev", "values.size": "s"}],
        ),
        (
            {"list": {"elements": [{"env": "prod", "replicas": 3, "extra": {"a": 1}}]}},
            GO,
            [{"env": "prod", "replicas": 3, "extra": {"a": 1}}],
        ),
        (
            {"list": {"elementsYaml": "- env: dev\n- env: prod\n"}},
            GO,
            [{"env": "dev"}, {"env": "prod"}],
        ),
        (
            {
                "list": {"elements": [{"env": "dev"}, {"env": "prod"}]},
                "selector": {"matchLabels": {"env": "prod"}},
            },
            PLAIN,
            [{"env": "prod"}],
        ),
        (
            {
                "list": {"elements": [{"env": "dev"}, {"env": "prod"}, {"env": "qa"}]},
                "selector": {
                    "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["qa"]}]
                },
            },
            GO,
            [{"env": "dev"}, {"env": "prod"}],
        ),
    ],
)
def test_list_generator(spec: dict[str, Any], mode: Mode, expected: list[Any]) -> None:
    assert params(spec, mode) == expected


def test_clusters_plain_form_has_argo_cds_parameters() -> None:
    found = params({"clusters": {"values": {"region": "{{name}}-r"}}})
    assert [p["name"] for p in found] == ["in-cluster", "Prod-EU", "staging"]
    prod = found[1]
    assert prod["nameNormalized"] == "prod-eu"
    assert prod["server"] == "https://prod.example"
    assert prod["metadata.labels.env"] == "prod"
    assert prod["metadata.annotations.team"] == "blue"
    assert prod["values.region"] == "Prod-EU-r"
    assert found[0]["server"] == "https://kubernetes.default.svc"


def test_clusters_selector_leaves_out_the_implicit_local_cluster() -> None:
    found = params({"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}, GO)
    assert found == [
        {
            "name": "Prod-EU",
            "nameNormalized": "prod-eu",
            "server": "https://prod.example",
            "project": "",
            "metadata": {
                "labels": {"argocd.argoproj.io/secret-type": "cluster", "env": "prod"},
                "annotations": {"team": "blue"},
            },
        }
    ]


def test_matrix_second_generator_reads_the_first_ones_parameters() -> None:
    spec = {
        "matrix": {
            "generators": [
                {
                    "clusters": {
                        "selector": {"matchExpressions": [{"key": "env", "operator": "Exists"}]}
                    }
                },
                {
                    "list": {
                        "elements": [
                            {"app": "web", "where": "{{.name}}"},
                            {"app": "api", "where": "{{.name}}"},
                        ]
                    }
                },
            ]
        }
    }
    found = params(spec, GO)
    assert [(p["name"], p["app"], p["where"]) for p in found] == [
        ("Prod-EU", "web", "Prod-EU"),
        ("Prod-EU", "api", "Prod-EU"),
        ("staging", "web", "staging"),
        ("staging", "api", "staging"),
    ]


def test_matrix_plain_form_refuses_one_parameter_with_two_values() -> None:
    spec = {
        "matrix": {
            "generators": [
                {"list": {"elements": [{"env": "dev"}]}},
                {"list": {"elements": [{"env": "prod"}]}},
            ]
        }
    }
    with pytest.raises(GeneratorError, match="parameter 'env' is 'dev' in one generator"):
        params(spec)


def test_merge_overrides_base_sets_by_merge_key_and_keeps_the_rest() -> None:
    spec = {
        "merge": {
            "mergeKeys": ["server"],
            "generators": [
                {"clusters": {"values": {"replicas": "1"}}},
                {
                    "list": {
                        "elements": [
                            {"server": "https://prod.example", "values.replicas": "5"},
                            {"server": "https://unknown.example", "values.replicas": "9"},
                        ]
                    }
                },
            ],
        }
    }
    found = params(spec)
    assert {p["name"]: p["values.replicas"] for p in found} == {
        "in-cluster": "1",
        "Prod-EU": "5",
        "staging": "1",
    }


def test_merge_go_form_merges_nested_values() -> None:
    spec = {
        "merge": {
            "mergeKeys": ["env"],
            "generators": [
                {
                    "list": {
                        "elements": [
                            {"env": "dev", "cfg": {"a": 1, "b": 1}},
                            {"env": "prod", "cfg": {"a": 1, "b": 1}},
                        ]
                    }
                },
                {"list": {"elements": [{"env": "prod", "cfg": {"b": 2}}]}},
            ],
        }
    }
    assert params(spec, GO) == [
        {"env": "dev", "cfg": {"a": 1, "b": 1}},
        {"env": "prod", "cfg": {"a": 1, "b": 2}},
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {
                "merge": {
                    "mergeKeys": ["env"],
                    "generators": [
                        {"list": {"elements": [{"env": "a"}, {"env": "a"}]}},
                        {"list": {"elements": []}},
                    ],
                }
            },
            "two parameter sets have the merge keys",
        ),
        ({"list": {"elementsYaml": "- just-a-string"}}, "generator.list.elements[0]: expected"),
        ({"list": {"elementsYaml": "a: [unclosed"}}, "elementsYaml: invalid YAML"),
        ({"pullRequest": {"github": {"owner": "o"}}}, "the pullRequest generator is not supported"),
        (
            {"git": {"repoURL": "https://example.invalid/r.git", "directories": [{"path": "*"}]}},
            "no Git access here",
        ),
        (
            {"clusters": {"values": {"x": "{{.name | nope}}"}}},
            'function "nope" is not supported',
        ),
    ],
)
def test_generator_errors_name_the_generator(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(GeneratorError) as caught:
        params(spec, GO, Inputs(clusters=CLUSTERS))
    assert message in str(caught.value)
