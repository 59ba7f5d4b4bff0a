"""What a project permits, with Argo CD's semantics."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from seaway.model import (
    Application,
    AppProject,
    RuleViolation,
    check_application,
    default_project,
    normalize_repo_url,
    parse_object,
    permits_destination,
    permits_resource,
    permits_source,
    resolve_project,
)
from tests.model.manifests import GUESTBOOK, MULTI_SOURCE, PROJECT


def _project(**spec: Any) -> AppProject:
    doc = yaml.safe_load(PROJECT)
    doc["spec"].update(spec)
    project = parse_object(doc)
    assert isinstance(project, AppProject)
    return project


def _app(
    *,
    repo: str = "https://github.com/org/web.git",
    server: str | None = "https://kubernetes.default.svc",
    name: str | None = None,
    namespace: str = "team-a-web",
    project: str = "team-a",
    app_namespace: str = "argocd",
) -> Application:
    doc = yaml.safe_load(GUESTBOOK)
    doc["metadata"]["namespace"] = app_namespace
    doc["spec"]["project"] = project
    doc["spec"]["source"]["repoURL"] = repo
    destination: dict[str, str] = {"namespace": namespace}
    if server is not None:
        destination["server"] = server
    if name is not None:
        destination["name"] = name
    doc["spec"]["destination"] = destination
    app = parse_object(doc)
    assert isinstance(app, Application)
    return app


def _messages(violations: list[RuleViolation]) -> list[str]:
    return [str(v) for v in violations]


def test_permitted_application() -> None:
    assert check_application(_project(), _app()) == []


def test_source_repo_not_permitted() -> None:
    [violation] = check_application(_project(), _app(repo="https://gitlab.com/org/web.git"))
    assert violation == RuleViolation(
        "sourceRepos",
        "spec.source.repoURL",
        "source repo https://gitlab.com/org/web.git not permitted by project team-a "
        "(sourceRepos: https://github.com/org/*, !https://github.com/org/secret-*)",
    )


def test_source_repo_denied_by_negation() -> None:
    assert _messages(
        check_application(_project(), _app(repo="https://github.com/org/secret-db"))
    ) == [
        "source repo https://github.com/org/secret-db denied by project team-a "
        "(sourceRepos: !https://github.com/org/secret-*)"
    ]


@pytest.mark.parametrize(
    ("pattern", "repo", "permitted"),
    [
        ("https://github.com/org/*", "https://github.com/org/web", True),
        # Repository URLs are compared normalized: case and ".git" do not matter.
        ("https://github.com/org/*", "https://GitHub.com/Org/Web.git", True),
        ("https://github.com/org/web.git", "https://github.com/org/web", True),
        # "*" stops at "/"; "**" does not.
        ("https://github.com/org/*", "https://github.com/org/group/web", False),
        ("https://github.com/org/**", "https://github.com/org/group/web", True),
        ("*", "https://anything.example.com/x/y/z.git", True),
        ("git@github.com:org/*", "git@github.com:org/web.git", True),
        ("git@github.com:org/*", "ssh://git@github.com/org/web", True),
        ("git@github.com:org/*", "git@github.com:other/web.git", False),
        ("https://github.com/{org,team}/web", "https://github.com/team/web", True),
        ("https://github.com/org/web-?", "https://github.com/org/web-1", True),
        ("https://github.com/org/web-?", "https://github.com/org/web-12", False),
    ],
)
def test_source_repo_globs(pattern: str, repo: str, permitted: bool) -> None:
    project = _project(sourceRepos=[pattern])
    assert (permits_source(project, repo) is None) is permitted


def test_denials_alone_permit_nothing() -> None:
    # Argo CD's documented rule: an allow rule must match. (Its code would permit every repo
    # but the denied ones here; Seaway keeps to the documentation.)
    project = _project(sourceRepos=["!https://github.com/evil/*"])
    violation = permits_source(project, "https://github.com/good/repo")
    assert violation is not None
    assert violation.message == (
        "source repo https://github.com/good/repo not permitted by project team-a "
        "(sourceRepos: !https://github.com/evil/*)"
    )
    project = _project(sourceRepos=["!https://github.com/evil/*", "*"])
    assert permits_source(project, "https://github.com/good/repo") is None
    denied = permits_source(project, "https://github.com/evil/repo")
    assert denied is not None
    assert "denied by project team-a" in denied.message


def test_empty_source_repos_permit_nothing() -> None:
    violation = permits_source(_project(sourceRepos=[]), "https://github.com/org/web")
    assert violation is not None
    assert violation.message == (
        "source repo https://github.com/org/web not permitted by project team-a "
        "(sourceRepos is empty)"
    )


def test_normalize_repo_url() -> None:
    assert normalize_repo_url(" https://GitHub.com/Org/App.git ") == "https://github.com/org/app"
    assert normalize_repo_url("git@github.com:Org/App.git") == "git@github.com/org/app"
    assert normalize_repo_url("ssh://git@github.com/org/app") == "git@github.com/org/app"
    assert normalize_repo_url("https://example.com:8443/a.git") == "https://example.com:8443/a"


def test_every_source_of_a_multi_source_app_is_checked() -> None:
    doc = yaml.safe_load(MULTI_SOURCE)
    doc["spec"]["project"] = "team-a"
    doc["spec"]["sources"][0]["repoURL"] = "https://github.com/org/charts.git"
    doc["spec"]["destination"]["namespace"] = "team-a-monitoring"
    app = parse_object(doc)
    assert isinstance(app, Application)
    [violation] = check_application(_project(), app)
    assert violation.field == "spec.sources[1].repoURL"
    assert violation.message.startswith(
        "source repo https://github.com/example-org/cluster-config.git not permitted"
    )


def test_destination_namespace_not_permitted() -> None:
    assert _messages(check_application(_project(), _app(namespace="kube-system"))) == [
        "destination server=https://kubernetes.default.svc name=in-cluster namespace=kube-system "
        "not permitted by project team-a (destinations: server=https://kubernetes.default.svc "
        "namespace=team-a-*; name=staging namespace=team-a)"
    ]


def test_destination_by_cluster_name() -> None:
    assert (
        check_application(_project(), _app(server=None, name="staging", namespace="team-a")) == []
    )
    violations = check_application(_project(), _app(server=None, name="prod", namespace="team-a"))
    assert [v.rule for v in violations] == ["destinations"]


def test_destination_name_is_resolved_to_its_server() -> None:
    # The project lists only a server; the app names the cluster "in-cluster", which is that
    # server, as Argo CD resolves it.
    app = _app(server=None, name="in-cluster", namespace="team-a-web")
    assert check_application(_project(), app) == []
    assert [v.rule for v in check_application(_project(), app, clusters={})] == ["destinations"]


def test_destination_server_is_resolved_to_its_name() -> None:
    project = _project(destinations=[{"name": "in-cluster", "namespace": "*"}])
    assert check_application(project, _app()) == []
    assert [v.rule for v in check_application(project, _app(), clusters={})] == ["destinations"]


def test_name_denial_holds_for_a_cluster_known_only_by_server() -> None:
    project = _project(
        destinations=[{"server": "*", "namespace": "*"}, {"name": "!prod", "namespace": "*"}]
    )
    assert permits_destination(project, server="https://a", name="dev", namespace="x") is None
    assert permits_destination(project, server="https://a", name="prod", namespace="x") is not None
    assert permits_destination(project, server="https://a", namespace="x") is not None


def test_destination_denials() -> None:
    project = _project(
        destinations=[
            {"server": "*", "namespace": "!kube-system"},
            {"server": "!https://team1-*", "namespace": "*"},
            {"server": "*", "namespace": "*"},
        ]
    )
    assert permits_destination(project, server="https://prod.example.com", namespace="web") is None
    denied_namespace = permits_destination(
        project, server="https://prod.example.com", namespace="kube-system"
    )
    assert denied_namespace is not None
    assert denied_namespace.message == (
        "destination server=https://prod.example.com namespace=kube-system denied by project "
        "team-a (destinations: server=* namespace=!kube-system)"
    )
    denied_server = permits_destination(
        project, server="https://team1-a.example.com", namespace="x"
    )
    assert denied_server is not None
    assert "(destinations: server=!https://team1-* namespace=*)" in denied_server.message


def test_empty_destinations_permit_nothing() -> None:
    violation = permits_destination(_project(destinations=[]), server="https://x", namespace="a")
    assert violation is not None
    assert violation.message.endswith("(destinations is empty)")


def test_application_in_the_wrong_project() -> None:
    [violation] = check_application(_project(), _app(project="team-b"))
    assert violation == RuleViolation(
        "project", "spec.project", "application guestbook belongs to project team-b, not team-a"
    )


def test_source_namespaces() -> None:
    project = _project(sourceNamespaces=["team-a-apps", "/^team-a-[0-9]+$/"])
    for namespace in ("argocd", "team-a-apps", "team-a-42"):
        app = _app(app_namespace=namespace)
        assert check_application(project, app, control_namespace="argocd") == []
    app = _app(app_namespace="team-b-apps")
    assert _messages(check_application(project, app, control_namespace="argocd")) == [
        "applications in namespace team-b-apps not permitted by project team-a "
        "(sourceNamespaces: team-a-apps, /^team-a-[0-9]+$/)"
    ]
    # Without a control namespace there is nothing to compare with, so nothing is checked.
    assert check_application(project, app) == []


def test_several_violations_at_once() -> None:
    app = _app(repo="https://gitlab.com/x/y", namespace="kube-system", project="team-b")
    assert [v.rule for v in check_application(_project(), app)] == [
        "project",
        "sourceRepos",
        "destinations",
    ]


def test_cluster_scoped_resources_need_the_whitelist() -> None:
    project = _project()
    assert permits_resource(project, "", "Namespace", namespaced=False) is None
    violation = permits_resource(project, "rbac.authorization.k8s.io", "ClusterRole", False)
    assert violation == RuleViolation(
        "clusterResourceWhitelist",
        "",
        "cluster-scoped resource rbac.authorization.k8s.io/ClusterRole not permitted by project "
        "team-a (clusterResourceWhitelist: Namespace)",
    )
    # The core group is "", not a wildcard.
    assert permits_resource(project, "example.com", "Namespace", namespaced=False) is not None


def test_cluster_blacklist_wins_over_whitelist() -> None:
    project = _project(
        clusterResourceWhitelist=[{"group": "*", "kind": "*"}],
        clusterResourceBlacklist=[{"group": "rbac.authorization.k8s.io", "kind": "Cluster*"}],
    )
    assert (
        permits_resource(project, "apiextensions.k8s.io", "CustomResourceDefinition", False) is None
    )
    violation = permits_resource(project, "rbac.authorization.k8s.io", "ClusterRoleBinding", False)
    assert violation is not None
    assert violation.rule == "clusterResourceBlacklist"
    assert violation.message == (
        "cluster-scoped resource rbac.authorization.k8s.io/ClusterRoleBinding denied by project "
        "team-a (clusterResourceBlacklist: rbac.authorization.k8s.io/Cluster*)"
    )


def test_empty_cluster_whitelist_permits_no_cluster_scoped_resource() -> None:
    violation = permits_resource(_project(clusterResourceWhitelist=[]), "", "Namespace", False)
    assert violation is not None
    assert violation.message.endswith("(clusterResourceWhitelist is empty)")


def test_namespaced_resources_are_allowed_unless_listed() -> None:
    project = _project()
    assert permits_resource(project, "apps", "Deployment", namespaced=True) is None
    violation = permits_resource(project, "networking.k8s.io", "NetworkPolicy", namespaced=True)
    assert violation == RuleViolation(
        "namespaceResourceBlacklist",
        "",
        "namespaced resource networking.k8s.io/NetworkPolicy denied by project team-a "
        "(namespaceResourceBlacklist: networking.k8s.io/NetworkPolicy)",
    )


def test_namespace_whitelist_limits_namespaced_resources() -> None:
    project = _project(
        namespaceResourceWhitelist=[
            {"group": "apps", "kind": "Deployment"},
            {"group": "", "kind": "*"},
        ]
    )
    assert permits_resource(project, "apps", "Deployment", True) is None
    assert permits_resource(project, "", "ConfigMap", True) is None
    violation = permits_resource(project, "apps", "StatefulSet", True)
    assert violation is not None
    assert violation.message == (
        "namespaced resource apps/StatefulSet not permitted by project team-a "
        "(namespaceResourceWhitelist: apps/Deployment, *)"
    )
    # Listed in the whitelist but also in the blacklist: denied.
    blocked = permits_resource(project, "", "ResourceQuota", True)
    assert blocked is not None
    assert blocked.rule == "namespaceResourceBlacklist"


def test_empty_namespace_whitelist_differs_from_none() -> None:
    # As in Argo CD: an empty whitelist allows no namespaced kind, an absent one allows all.
    violation = permits_resource(_project(namespaceResourceWhitelist=[]), "", "ConfigMap", True)
    assert violation is not None
    assert violation.message.endswith("(namespaceResourceWhitelist is empty)")
    assert permits_resource(_project(), "", "ConfigMap", True) is None


def test_default_project_permits_everything() -> None:
    project = default_project()
    assert project.name == "default"
    anywhere = _app(
        repo="git@gitlab.example.com:any/thing.git",
        server="https://prod.example.com:6443",
        namespace="kube-system",
        project="default",
    )
    assert check_application(project, anywhere) == []
    by_name = _app(server=None, name="edge-7", namespace="x", project="default")
    assert check_application(project, by_name) == []
    assert permits_resource(project, "rbac.authorization.k8s.io", "ClusterRole", False) is None
    assert permits_resource(project, "", "ResourceQuota", True) is None


def test_resolve_project() -> None:
    team = _project()
    assert resolve_project("team-a", [team]) is team
    assert resolve_project("team-b", [team]) is None
    built_in = resolve_project("default", [team])
    assert built_in is not None
    assert built_in.spec.source_repos == ["*"]
    assert resolve_project("", []) == built_in
    # A "default" project that is given replaces the built-in one, as editing it does in Argo CD.
    locked = _project(sourceRepos=[], destinations=[])
    locked.metadata.name = "default"
    assert resolve_project("default", [locked]) is locked
    assert check_application(locked, _app(project="default")) != []
