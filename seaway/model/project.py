"""The AppProject: what a group of applications may deploy, from where, to where, and when.

Argo CD's `argoproj.io/v1alpha1` AppProject. The rules that read it live in `rules.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from seaway.model.application import API_VERSION, DEFAULT_PROJECT_NAME
from seaway.model.base import ArgoModel, FieldProblem, ObjectMeta, name_problem
from seaway.model.cron import validate_cron
from seaway.model.durations import parse_go_duration


class GroupKind(ArgoModel):
    # Both required, as in Argo CD; the core group is the empty string. Globs allowed.
    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.group}/{self.kind}" if self.group else self.kind


class ProjectDestination(ArgoModel):
    """A permitted destination: globs for server, cluster name and namespace, "!" to deny."""

    server: str = ""
    name: str = ""
    namespace: str = ""

    def __str__(self) -> str:
        parts = [f"{field}={value}" for field, value in self.patterns() if value]
        return " ".join(parts) or "(empty)"

    def patterns(self) -> tuple[tuple[str, str], ...]:
        """(field, pattern) for server, name and namespace, in that order."""
        return (("server", self.server), ("name", self.name), ("namespace", self.namespace))


class SyncWindowKind(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class SyncWindow(ArgoModel):
    kind: SyncWindowKind
    # Cron, when the window opens; it stays open for `duration`.
    schedule: str
    duration: str
    applications: list[str] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)
    # Lets people sync by hand while the window denies automated syncs.
    manual_sync: bool = False
    time_zone: str = ""
    # Match an application only when all of applications, namespaces and clusters match.
    and_operator: bool = Field(default=False, alias="andOperator")
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> SyncWindow:
        try:
            validate_cron(self.schedule)
        except ValueError as error:
            raise FieldProblem(str(error), "schedule") from None
        try:
            length = parse_go_duration(self.duration)
        except ValueError as error:
            raise FieldProblem(str(error), "duration") from None
        if length.total_seconds() <= 0:
            raise FieldProblem(f"{self.duration!r} is not a positive duration", "duration")
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise FieldProblem(f"unknown time zone {self.time_zone!r}", "timeZone") from None
        if not (self.applications or self.namespaces or self.clusters):
            raise FieldProblem("a window needs applications, namespaces or clusters to apply to")
        return self


class JWTToken(ArgoModel):
    iat: int
    exp: int | None = None
    id: str = ""


_ROLE_NAME = re.compile(r"^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$")


class ProjectRole(ArgoModel):
    name: str
    description: str = ""
    # Casbin policy lines, kept as written for the part that authorizes requests.
    policies: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    jwt_tokens: list[JWTToken] = Field(default_factory=list)


class OrphanedResourceKey(ArgoModel):
    group: str = ""
    kind: str = ""
    name: str = ""


class OrphanedResourcesMonitorSettings(ArgoModel):
    warn: bool | None = None
    ignore: list[OrphanedResourceKey] = Field(default_factory=list)


class SignatureKey(ArgoModel):
    key_id: str = Field(alias="keyID")


class DestinationServiceAccount(ArgoModel):
    server: str
    namespace: str = ""
    default_service_account: str


class AppProjectSpec(ArgoModel):
    description: str = ""
    source_repos: list[str] = Field(default_factory=list)
    destinations: list[ProjectDestination] = Field(default_factory=list)
    cluster_resource_whitelist: list[GroupKind] = Field(default_factory=list)
    cluster_resource_blacklist: list[GroupKind] = Field(default_factory=list)
    # None and [] differ, as in Argo CD: absent allows every namespaced kind, an empty list
    # allows none.
    namespace_resource_whitelist: list[GroupKind] | None = None
    namespace_resource_blacklist: list[GroupKind] = Field(default_factory=list)
    source_namespaces: list[str] = Field(default_factory=list)
    sync_windows: list[SyncWindow] = Field(default_factory=list)
    roles: list[ProjectRole] = Field(default_factory=list)
    orphaned_resources: OrphanedResourcesMonitorSettings | None = None
    signature_keys: list[SignatureKey] = Field(default_factory=list)
    permit_only_project_scoped_clusters: bool = False
    destination_service_accounts: list[DestinationServiceAccount] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> AppProjectSpec:
        for index, repo in enumerate(self.source_repos):
            if repo.strip() == "!*":
                raise FieldProblem(
                    "'!*' would deny every repository; remove the project's sources instead",
                    "sourceRepos",
                    index,
                )
        for index, destination in enumerate(self.destinations):
            for field, value in destination.patterns():
                if value.strip() == "!*":
                    raise FieldProblem(
                        f"'!*' would deny every {field}; remove the destination instead",
                        "destinations",
                        index,
                        field,
                    )
        names = Counter(role.name for role in self.roles)
        for index, role in enumerate(self.roles):
            if not _ROLE_NAME.match(role.name):
                raise FieldProblem(
                    f"role name {role.name!r} may hold only letters, digits, '-' and '_', "
                    "starting and ending with a letter or digit",
                    "roles",
                    index,
                    "name",
                )
            if names[role.name] > 1:
                raise FieldProblem(
                    f"role {role.name!r} is defined more than once", "roles", index, "name"
                )
        return self


class AppProjectStatus(ArgoModel):
    jwt_tokens_by_role: dict[str, dict[str, Any]] = Field(default_factory=dict)


class AppProject(ArgoModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["AppProject"] = "AppProject"
    metadata: ObjectMeta
    spec: AppProjectSpec
    status: AppProjectStatus | None = None

    # A field validator rather than a model one, so a bad name is reported even when the
    # spec has problems of its own.
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


def default_project(namespace: str = "") -> AppProject:
    """The built-in project "default", as permissive as Argo CD creates it.

    It also permits any destination cluster *name*: Argo CD resolves names to servers before
    matching, which a pure check cannot do for clusters it has not been told about.
    """
    return AppProject(
        metadata=ObjectMeta(name=DEFAULT_PROJECT_NAME, namespace=namespace),
        spec=AppProjectSpec(
            source_repos=["*"],
            destinations=[ProjectDestination(server="*", name="*", namespace="*")],
            cluster_resource_whitelist=[GroupKind(group="*", kind="*")],
        ),
    )


def resolve_project(name: str, projects: Iterable[AppProject]) -> AppProject | None:
    """The project called `name` among `projects`; "default" exists even when not given."""
    wanted = name or DEFAULT_PROJECT_NAME
    for project in projects:
        if project.name == wanted:
            return project
    if wanted == DEFAULT_PROJECT_NAME:
        return default_project()
    return None
