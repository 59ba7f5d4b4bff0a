"""What a project permits: pure checks of an application, a destination or a kind of object.

The semantics are Argo CD's, so a project written for Argo CD permits the same things here:

- sourceRepos and destinations are globs; "!pattern" denies. A source or destination is
  permitted when an allow rule (one without "!") matches it and no denial excludes it, as
  Argo CD's documentation states. (Argo CD's code also lets a denial that does not exclude a
  repository count as a match, so a list holding only denials permits everything else; Seaway
  follows the documented rule and permits nothing that no allow rule names.)
- Repository URLs are compared normalized (lowercase, no ".git", scp-style SSH rewritten), with
  "/" as the separator: "https://github.com/org/*" does not reach "org/a/b"; "**" does.
- Cluster-scoped kinds must be in clusterResourceWhitelist and not in the blacklist; namespaced
  kinds are allowed unless namespaceResourceWhitelist is set without them or the blacklist
  names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from seaway.model.application import Application
from seaway.model.destination import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from seaway.model.globs import glob_match, is_deny_pattern, project_glob_match
from seaway.model.project import AppProject, GroupKind, ProjectDestination


@dataclass(frozen=True)
class RuleViolation:
    """One thing a project does not permit."""

    # The project field whose rule was broken, e.g. "sourceRepos".
    rule: str
    # The application field at fault, e.g. "spec.sources[1].repoURL"; empty for object kinds.
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


_SCP_SSH = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")


def normalize_repo_url(url: str) -> str:
    """A repository URL in the form Argo CD compares: "git@github.com:Org/App.git" and
    "ssh://git@github.com/org/app" both become "git@github.com/org/app"."""
    text = url.strip().lower()
    if _SCP_SSH.match(text) and not text.startswith("ssh://"):
        # scp-style "user@host:path": the first colon separates host and path, not a port.
        text = "ssh://" + text.replace(":", "/", 1)
    text = text.removesuffix(".git")
    return text.removeprefix("ssh://")


def _listing(rule: str, items: Sequence[object], separator: str = ", ") -> str:
    if not items:
        return f"{rule} is empty"
    return f"{rule}: {separator.join(str(item) for item in items)}"


def permits_source(project: AppProject, repo_url: str, field: str = "") -> RuleViolation | None:
    """Whether the project lets applications deploy from `repo_url`."""
    target = normalize_repo_url(repo_url)
    allowed = False
    for pattern in project.spec.source_repos:
        if is_deny_pattern(pattern):
            if glob_match(normalize_repo_url(pattern[1:]), target, "/"):
                return RuleViolation(
                    "sourceRepos",
                    field,
                    f"source repo {repo_url} denied by project {project.name} "
                    f"(sourceRepos: {pattern})",
                )
        elif project_glob_match(normalize_repo_url(pattern), target, "/"):
            allowed = True
    if allowed:
        return None
    return RuleViolation(
        "sourceRepos",
        field,
        f"source repo {repo_url} not permitted by project {project.name} "
        f"({_listing('sourceRepos', project.spec.source_repos)})",
    )


def _denies(item: ProjectDestination, server: str, name: str, namespace: str) -> bool:
    """Whether a rule with "!" fields excludes the destination: each "!" field excludes what
    its pattern matches. A cluster known only by name cannot be shown to escape a server
    denial (nor one known only by server a name denial), so such a denial holds, as in Argo CD.
    """
    for pattern, value, known in (
        (item.server, server, bool(server)),
        (item.name, name, bool(name)),
        (item.namespace, namespace, True),
    ):
        if is_deny_pattern(pattern) and (not known or glob_match(pattern[1:], value)):
            return True
    return False


def permits_destination(
    project: AppProject,
    *,
    server: str = "",
    name: str = "",
    namespace: str = "",
    field: str = "",
) -> RuleViolation | None:
    """Whether the project lets applications deploy to this cluster (by server or by name)
    and namespace."""
    allowed = False
    for item in project.spec.destinations:
        if any(is_deny_pattern(pattern) for _, pattern in item.patterns()):
            if _denies(item, server, name, namespace):
                wanted = _destination_text(server, name, namespace)
                return RuleViolation(
                    "destinations",
                    field,
                    f"destination {wanted} denied by project {project.name} (destinations: {item})",
                )
            continue
        cluster_matched = (bool(server) and project_glob_match(item.server, server)) or (
            bool(name) and project_glob_match(item.name, name)
        )
        if cluster_matched and project_glob_match(item.namespace, namespace):
            allowed = True
    if allowed:
        return None
    return RuleViolation(
        "destinations",
        field,
        f"destination {_destination_text(server, name, namespace)} not permitted by project "
        f"{project.name} ({_listing('destinations', project.spec.destinations, '; ')})",
    )


def _destination_text(server: str, name: str, namespace: str) -> str:
    return " ".join(
        f"{label}={value}"
        for label, value in (("server", server), ("name", name), ("namespace", namespace))
        if value
    )


def _in_list(group: str, kind: str, items: Sequence[GroupKind]) -> GroupKind | None:
    for item in items:
        if fnmatchcase(kind, item.kind) and fnmatchcase(group, item.group):
            return item
    return None


def _group_kind(group: str, kind: str) -> str:
    return f"{group}/{kind}" if group else kind


def permits_resource(
    project: AppProject, group: str, kind: str, namespaced: bool
) -> RuleViolation | None:
    """Whether the project lets applications deploy objects of this group and kind."""
    spec = project.spec
    what = _group_kind(group, kind)
    if namespaced:
        whitelist = spec.namespace_resource_whitelist
        if whitelist is not None and _in_list(group, kind, whitelist) is None:
            return RuleViolation(
                "namespaceResourceWhitelist",
                "",
                f"namespaced resource {what} not permitted by project {project.name} "
                f"({_listing('namespaceResourceWhitelist', whitelist)})",
            )
        blocked = _in_list(group, kind, spec.namespace_resource_blacklist)
        if blocked is not None:
            return RuleViolation(
                "namespaceResourceBlacklist",
                "",
                f"namespaced resource {what} denied by project {project.name} "
                f"(namespaceResourceBlacklist: {blocked})",
            )
        return None
    if _in_list(group, kind, spec.cluster_resource_whitelist) is None:
        return RuleViolation(
            "clusterResourceWhitelist",
            "",
            f"cluster-scoped resource {what} not permitted by project {project.name} "
            f"({_listing('clusterResourceWhitelist', spec.cluster_resource_whitelist)})",
        )
    blocked = _in_list(group, kind, spec.cluster_resource_blacklist)
    if blocked is not None:
        return RuleViolation(
            "clusterResourceBlacklist",
            "",
            f"cluster-scoped resource {what} denied by project {project.name} "
            f"(clusterResourceBlacklist: {blocked})",
        )
    return None


def _matches_namespace_pattern(pattern: str, namespace: str) -> bool:
    # Argo CD reads "/.../" as a regular expression and anything else as a glob.
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            return re.fullmatch(pattern[1:-1], namespace) is not None
        except re.error:
            return False
    return glob_match(pattern, namespace)


def permits_application_namespace(
    project: AppProject, namespace: str, control_namespace: str
) -> RuleViolation | None:
    """Whether an Application object may live in `namespace` (Argo CD's sourceNamespaces).

    Applications in the control plane's own namespace, or with no namespace yet, always may.
    """
    if not namespace or namespace == control_namespace:
        return None
    if any(_matches_namespace_pattern(p, namespace) for p in project.spec.source_namespaces):
        return None
    return RuleViolation(
        "sourceNamespaces",
        "metadata.namespace",
        f"applications in namespace {namespace} not permitted by project {project.name} "
        f"({_listing('sourceNamespaces', project.spec.source_namespaces)})",
    )


DEFAULT_CLUSTERS: Mapping[str, str] = {IN_CLUSTER_NAME: IN_CLUSTER_SERVER}


def check_application(
    project: AppProject,
    app: Application,
    *,
    clusters: Mapping[str, str] = DEFAULT_CLUSTERS,
    control_namespace: str | None = None,
) -> list[RuleViolation]:
    """Everything about `app` that `project` does not permit; empty when all is permitted.

    `clusters` maps cluster names to API server URLs, so that a destination given by name is
    matched against server patterns too (and one given by server against name patterns), as
    Argo CD does after looking the cluster up. The
    namespace the Application object lives in is checked against sourceNamespaces only when
    `control_namespace` (where the control plane keeps its own Applications) is given.
    """
    violations: list[RuleViolation] = []
    if app.spec.project_name != project.name:
        violations.append(
            RuleViolation(
                "project",
                "spec.project",
                f"application {app.name} belongs to project {app.spec.project_name}, "
                f"not {project.name}",
            )
        )
    if app.spec.has_multiple_sources:
        fields = [f"spec.sources[{i}].repoURL" for i in range(len(app.spec.sources))]
    else:
        fields = ["spec.source.repoURL"]
    for source, field in zip(app.spec.all_sources(), fields, strict=False):
        violation = permits_source(project, source.repo_url, field)
        if violation is not None:
            violations.append(violation)
    destination = app.spec.destination
    server = destination.server or clusters.get(destination.name, "")
    name = destination.name or next(
        (known for known, url in clusters.items() if url == destination.server), ""
    )
    violation = permits_destination(
        project,
        server=server,
        name=name,
        namespace=destination.namespace,
        field="spec.destination",
    )
    if violation is not None:
        violations.append(violation)
    if control_namespace is not None:
        violation = permits_application_namespace(project, app.namespace, control_namespace)
        if violation is not None:
            violations.append(violation)
    return violations
