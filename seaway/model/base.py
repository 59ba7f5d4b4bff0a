"""What every Argo CD-shaped model shares.

Fields carry Argo CD's camelCase names, unknown keys are kept rather than dropped (so a manifest
written for a newer Argo CD still loads, and `unsupported_fields` can name them), and a
validation failure can say which field below the model it is about.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class FieldProblem(ValueError):
    """A validation failure about a field below the model that raises it.

    Pydantic places a model validator's error at the model itself; `path` continues that
    location down to the field, so that error messages name the exact field.
    """

    def __init__(self, message: str, *path: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.path: tuple[str | int, ...] = path


class ArgoModel(BaseModel):
    """Base of every model users write: Argo CD's names, Go's zero values as defaults."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
    )

    def to_dict(self) -> dict[str, Any]:
        """The object as Argo CD spells it: camelCase, only the fields that were given.

        Fields left unset are omitted, like Go's `omitempty`, so that loading a manifest and
        writing it back gives the manifest again rather than one padded with defaults.
        """
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


# Kubernetes' rule for object names (a DNS-1123 subdomain), which the API server enforces on
# Applications and AppProjects.
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_MAX_NAME_LENGTH = 253


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a Kubernetes object, or None when it can."""
    if not name:
        return "a name is required"
    if len(name) > _MAX_NAME_LENGTH:
        return f"{name!r} is longer than {_MAX_NAME_LENGTH} characters"
    if not _DNS_SUBDOMAIN.match(name):
        return (
            f"{name!r} is not a valid name: use lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit"
        )
    return None


class Info(ArgoModel):
    """A name and a value shown with an application or an operation (links, owners, notes)."""

    name: str
    value: str


class ObjectMeta(ArgoModel):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)
    # Kubernetes' own bookkeeping, declared so that objects read back from a cluster load
    # without being reported as unknown fields.
    generate_name: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    deletion_grace_period_seconds: int | None = None
    owner_references: list[dict[str, Any]] = Field(default_factory=list)
    managed_fields: list[dict[str, Any]] = Field(default_factory=list)
    self_link: str = ""
