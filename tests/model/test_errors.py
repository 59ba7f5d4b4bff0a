"""Every way a manifest can be wrong, and the message that says where and why."""

from __future__ import annotations

import pytest
import yaml

from seaway.model import ManifestError, load_documents
from tests.model.manifests import GUESTBOOK, MULTI_SOURCE, PROJECT

PREFIX = "apps.yaml, document 1 (Application guestbook): "
PROJECT_PREFIX = "apps.yaml, document 1 (AppProject team-a): "


def _errors(text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_documents(text, "apps.yaml")
    return str(caught.value).splitlines()


def _edit(text: str, change: dict[str, object], *path: str) -> str:
    """The manifest with the mapping at `path` updated; a None value removes the key."""
    doc = yaml.safe_load(text)
    target = doc
    for key in path:
        target = target[key]
    for key, value in change.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return yaml.safe_dump(doc, sort_keys=False)


def test_message_names_file_document_object_and_field() -> None:
    broken = _edit(GUESTBOOK, {"server": None}, "spec", "destination")
    text = PROJECT + "---\n" + broken
    with pytest.raises(ManifestError) as caught:
        load_documents(text, "apps.yaml")
    assert str(caught.value) == (
        "apps.yaml, document 2 (Application guestbook): spec.destination: "
        "either server or name is required"
    )
    [problem] = caught.value.problems
    assert (problem.source_name, problem.document, problem.kind, problem.name, problem.path) == (
        "apps.yaml",
        2,
        "Application",
        "guestbook",
        "spec.destination",
    )
    assert caught.value.source_name == "apps.yaml"


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (
            {"name": "in-cluster"},
            ("spec", "destination"),
            "spec.destination: server (https://kubernetes.default.svc) and name (in-cluster) "
            "are mutually exclusive; give one of them",
        ),
        (
            {"sources": [{"repoURL": "https://github.com/o/r.git", "path": "a"}]},
            ("spec",),
            "spec: source and sources are mutually exclusive; keep one",
        ),
        ({"source": None}, ("spec",), "spec: either source or sources is required"),
        ({"project": None}, ("spec",), "spec.project: this field is required"),
        ({"destination": None}, ("spec",), "spec.destination: this field is required"),
        (
            {"path": None},
            ("spec", "source"),
            "spec.source.path: either path or chart is required (use '.' for the root)",
        ),
        ({"repoURL": None}, ("spec", "source"), "spec.source.repoURL: this field is required"),
        ({"repoURL": ""}, ("spec", "source"), "spec.source.repoURL: must not be empty"),
        (
            {"path": None, "chart": "nginx", "targetRevision": None},
            ("spec", "source"),
            "spec.source.targetRevision: the chart version is required for a Helm chart",
        ),
        (
            {"targetRevision": 1.10},
            ("spec", "source"),
            "spec.source.targetRevision: input should be a valid string, got 1.1 "
            "(quote the value in YAML to make it a string)",
        ),
        (
            {"recurse": "sometimes"},
            ("spec", "source", "directory"),
            "spec.source.directory.recurse: input should be a valid boolean, "
            "unable to interpret input",
        ),
        (
            {"revisionHistoryLimit": -1},
            ("spec",),
            "spec.revisionHistoryLimit: must be 0 or more, got -1",
        ),
        (
            {"syncPolicy": {"syncOptions": ["CreateNamespace=true", "PruneLast=True"]}},
            ("spec",),
            "spec.syncPolicy.syncOptions[1]: PruneLast must be true or false, not 'True'",
        ),
        (
            {"syncPolicy": {"syncOptions": ["CreateNamespace"]}},
            ("spec",),
            "spec.syncPolicy.syncOptions[0]: 'CreateNamespace' is not of the form Key=Value",
        ),
        (
            {"syncPolicy": {"syncOptions": ["Prune=maybe"]}},
            ("spec",),
            "spec.syncPolicy.syncOptions[0]: Prune must be true, false or confirm, not 'maybe'",
        ),
        (
            {"syncPolicy": {"syncOptions": ["PrunePropagationPolicy=later"]}},
            ("spec",),
            "spec.syncPolicy.syncOptions[0]: PrunePropagationPolicy must be foreground, "
            "background or orphan, not 'later'",
        ),
        (
            {"syncPolicy": {"retry": {"limit": 3, "backoff": {"duration": "5 minutes"}}}},
            ("spec",),
            "spec.syncPolicy.retry.backoff.duration: invalid duration '5 minutes': "
            "use a number with a unit, e.g. 30s, 2m or 1h30m",
        ),
        (
            {"syncPolicy": {"retry": {"backoff": {"maxDuration": "-3m"}}}},
            ("spec",),
            "spec.syncPolicy.retry.backoff.maxDuration: '-3m' is negative",
        ),
        (
            {"syncPolicy": {"retry": {"backoff": {"factor": 0}}}},
            ("spec",),
            "spec.syncPolicy.retry.backoff.factor: factor must be 1 or more, got 0",
        ),
        (
            {"ignoreDifferences": [{"group": "apps", "jsonPointers": ["/spec/replicas"]}]},
            ("spec",),
            "spec.ignoreDifferences[0].kind: this field is required",
        ),
        (
            {"ignoreDifferences": [{"kind": "Deployment", "jsonPointers": ["spec/replicas"]}]},
            ("spec",),
            "spec.ignoreDifferences[0].jsonPointers[0]: 'spec/replicas' is not a JSON pointer: "
            "it must start with '/'",
        ),
        (
            {"ignoreDifferences": [{"kind": "Secret", "jqPathExpressions": ["  "]}]},
            ("spec",),
            "spec.ignoreDifferences[0].jqPathExpressions[0]: a jq path expression is empty",
        ),
    ],
)
def test_application_errors(
    change: dict[str, object], path: tuple[str, ...], expected: str
) -> None:
    assert _errors(_edit(GUESTBOOK, change, *path)) == [PREFIX + expected]


def test_multi_source_errors() -> None:
    doc = yaml.safe_load(MULTI_SOURCE)
    doc["spec"]["sources"][1].pop("ref")
    prefix = "apps.yaml, document 1 (Application prometheus): "
    assert _errors(yaml.safe_dump(doc)) == [
        prefix + "spec.sources[1].path: either path, chart or ref is required"
    ]
    doc = yaml.safe_load(MULTI_SOURCE)
    doc["spec"]["sources"].append(doc["spec"]["sources"][1])
    assert _errors(yaml.safe_dump(doc)) == [
        prefix + "spec.sources[1].ref: ref 'values' is used by more than one source"
    ]
    doc = yaml.safe_load(MULTI_SOURCE)
    doc["spec"]["sources"][0]["helm"]["valueFiles"].append("$config/extra.yaml")
    assert _errors(yaml.safe_dump(doc)) == [
        prefix + "spec.sources[0].helm.valueFiles[1]: '$config/extra.yaml' reads from $config, "
        "but no source has ref 'config'"
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Guestbook", "'Guestbook' is not a valid name"),
        ("guest_book", "'guest_book' is not a valid name"),
        ("-guestbook", "'-guestbook' is not a valid name"),
        ("g" * 254, "is longer than 253 characters"),
    ],
)
def test_object_names(name: str, expected: str) -> None:
    [error] = _errors(_edit(GUESTBOOK, {"name": name}, "metadata"))
    assert error.startswith(f"apps.yaml, document 1 (Application {name}): metadata.name: ")
    assert expected in error


def test_missing_name() -> None:
    assert _errors(_edit(GUESTBOOK, {"name": None}, "metadata")) == [
        "apps.yaml, document 1 (Application (no name)): metadata.name: a name is required"
    ]


def test_name_and_spec_problems_are_reported_together() -> None:
    text = _edit(_edit(GUESTBOOK, {"name": "Bad"}, "metadata"), {"path": None}, "spec", "source")
    assert _errors(text) == [
        "apps.yaml, document 1 (Application Bad): metadata.name: 'Bad' is not a valid name: use "
        "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
        "apps.yaml, document 1 (Application Bad): spec.source.path: either path or chart is "
        "required (use '.' for the root)",
    ]


def test_wrong_api_version() -> None:
    text = GUESTBOOK.replace("argoproj.io/v1alpha1", "argoproj.io/v1beta1")
    assert _errors(text) == [
        PREFIX + "apiVersion: must be argoproj.io/v1alpha1, not 'argoproj.io/v1beta1'"
    ]


def test_kind_seaway_does_not_read() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
    assert _errors(text) == [
        "apps.yaml, document 1 (Deployment web): kind: Deployment is not a kind Seaway reads "
        "(Application or AppProject)"
    ]


def test_missing_kind() -> None:
    assert _errors("apiVersion: argoproj.io/v1alpha1\nmetadata: {name: x}\n") == [
        "apps.yaml, document 1: kind: is required (Application or AppProject)"
    ]


def test_document_that_is_not_an_object() -> None:
    assert _errors(GUESTBOOK + "---\n- a\n- b\n") == [
        "apps.yaml, document 2: expected an object with apiVersion and kind, got list"
    ]


def test_invalid_yaml_names_line_and_column() -> None:
    text = GUESTBOOK + "---\nkind: Application\nmetadata:\n  name: x\n   bad: indent\n"
    [error] = _errors(text)
    assert error.startswith("apps.yaml, document 2: invalid YAML at line 27, column 7: ")
    assert "mapping values are not allowed here" in error


def test_same_object_twice() -> None:
    assert _errors(GUESTBOOK + "---\n" + GUESTBOOK) == [
        "apps.yaml, document 2 (Application guestbook): metadata.name: Application guestbook is "
        "already defined in document 1"
    ]


def test_all_problems_of_a_file_at_once() -> None:
    first = _edit(GUESTBOOK, {"server": None}, "spec", "destination")
    second = _edit(PROJECT, {"sourceRepos": ["!*"]}, "spec")
    lines = _errors(first + "---\n" + second)
    assert lines == [
        PREFIX + "spec.destination: either server or name is required",
        "apps.yaml, document 2 (AppProject team-a): spec.sourceRepos[0]: '!*' would deny every "
        "repository; remove the project's sources instead",
    ]


def test_list_items_are_numbered() -> None:
    broken = _edit(GUESTBOOK, {"server": None}, "spec", "destination")
    listing = {"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(broken)]}
    assert _errors(yaml.safe_dump(listing)) == [
        "apps.yaml, document 1, item 1 (Application guestbook): spec.destination: "
        "either server or name is required"
    ]


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (
            {"destinations": [{"server": "*", "namespace": "!*"}]},
            ("spec",),
            "spec.destinations[0].namespace: '!*' would deny every namespace; "
            "remove the destination instead",
        ),
        (
            {"clusterResourceWhitelist": [{"group": ""}]},
            ("spec",),
            "spec.clusterResourceWhitelist[0].kind: this field is required",
        ),
        (
            {"syncWindows": [{"kind": "block", "schedule": "* * * * *", "duration": "1h"}]},
            ("spec",),
            "spec.syncWindows[0].kind: input should be 'allow' or 'deny'",
        ),
        (
            {
                "syncWindows": [
                    {"kind": "allow", "schedule": "0 25 * * *", "duration": "1h", "clusters": ["a"]}
                ]
            },
            ("spec",),
            "spec.syncWindows[0].schedule: hour 25 is outside 0-23",
        ),
        (
            {
                "syncWindows": [
                    {"kind": "allow", "schedule": "0 1 * *", "duration": "1h", "clusters": ["a"]}
                ]
            },
            ("spec",),
            "spec.syncWindows[0].schedule: a schedule has five fields (minute hour day-of-month "
            "month day-of-week), '0 1 * *' has 4",
        ),
        (
            {
                "syncWindows": [
                    {"kind": "deny", "schedule": "@daily", "duration": "1 hour", "clusters": ["a"]}
                ]
            },
            ("spec",),
            "spec.syncWindows[0].duration: invalid duration '1 hour': use a number with a unit, "
            "e.g. 30s, 2m or 1h30m",
        ),
        (
            {
                "syncWindows": [
                    {
                        "kind": "deny",
                        "schedule": "@daily",
                        "duration": "1h",
                        "clusters": ["a"],
                        "timeZone": "Mars/Olympus",
                    }
                ]
            },
            ("spec",),
            "spec.syncWindows[0].timeZone: unknown time zone 'Mars/Olympus'",
        ),
        (
            {"syncWindows": [{"kind": "deny", "schedule": "@daily", "duration": "1h"}]},
            ("spec",),
            "spec.syncWindows[0]: a window needs applications, namespaces or clusters to apply to",
        ),
        (
            {"roles": [{"name": "ci role"}]},
            ("spec",),
            "spec.roles[0].name: role name 'ci role' may hold only letters, digits, '-' and '_', "
            "starting and ending with a letter or digit",
        ),
        (
            {"roles": [{"name": "ci"}, {"name": "ci"}]},
            ("spec",),
            "spec.roles[0].name: role 'ci' is defined more than once",
        ),
    ],
)
def test_project_errors(change: dict[str, object], path: tuple[str, ...], expected: str) -> None:
    assert _errors(_edit(PROJECT, change, *path)) == [PROJECT_PREFIX + expected]
