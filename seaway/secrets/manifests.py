"""The objects users give us: a v1 Secret to seal and a bitnami.com/v1alpha1 SealedSecret.

Validation errors name the object and the field and never quote a value: the values are
secrets (pydantic's own messages are used without their input).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from seaway.secrets.errors import ManifestError

SEALED_API_VERSION = "bitnami.com/v1alpha1"
SEALED_KIND = "SealedSecret"

# Kubernetes' rule for the keys of a Secret's data.
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ObjectMetadata(BaseModel):
    # Kept whole (finalizers, anything else given) because it is copied into the template.
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _maps(cls, value: object) -> object:
        return {} if value is None else value


def _check_keys(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        if not _DATA_KEY.match(key):
            raise ValueError(f"{key!r} is not a valid key: use letters, digits, '-', '_' and '.'")
    return value


class SecretManifest(_Model):
    api_version: Literal["v1"] = Field(alias="apiVersion")
    kind: Literal["Secret"]
    metadata: ObjectMetadata = Field(default_factory=ObjectMetadata)
    type: str = ""
    immutable: bool | None = None
    # Base64, as in the API.
    data: dict[str, str] = Field(default_factory=dict)
    string_data: dict[str, str] = Field(default_factory=dict, alias="stringData")

    @field_validator("data", "string_data", mode="before")
    @classmethod
    def _maps(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("data", "string_data", mode="after")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_keys(value)


class SecretTemplate(_Model):
    metadata: ObjectMetadata = Field(default_factory=ObjectMetadata)
    type: str = ""
    immutable: bool | None = None
    # Keys the controller renders as Go templates over the decrypted values.
    data: dict[str, str] = Field(default_factory=dict)

    @field_validator("data", mode="before")
    @classmethod
    def _data(cls, value: object) -> object:
        return {} if value is None else value


class SealedSecretSpec(_Model):
    template: SecretTemplate = Field(default_factory=SecretTemplate)
    encrypted_data: dict[str, str] = Field(default_factory=dict, alias="encryptedData")
    # The deprecated format: the whole Secret sealed as one value.
    data: str | None = None

    @field_validator("encrypted_data", mode="before")
    @classmethod
    def _encrypted(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("encrypted_data", mode="after")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_keys(value)


class SealedSecretManifest(_Model):
    api_version: Literal["bitnami.com/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["SealedSecret"]
    metadata: ObjectMetadata = Field(default_factory=ObjectMetadata)
    spec: SealedSecretSpec


M = TypeVar("M", bound=BaseModel)


def describe(kind: str, obj: object) -> str:
    """ "Secret ns/name" from whatever the object says, for the start of an error."""
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(metadata, Mapping):
        return kind
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else ""
    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else ""
    if namespace:
        return f"{kind} {namespace}/{name or '(no name)'}"
    return f"{kind} {name or '(no name)'}"


def parse_manifest(model: type[M], obj: object, kind: str) -> M:
    if not isinstance(obj, Mapping):
        raise ManifestError(f"expected a {kind} object, found {type(obj).__name__}")
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        where = describe(kind, obj)
        raise ManifestError(
            "\n".join(f"{where}: {problem}" for problem in _problems(exc))
        ) from None


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for detail in error.errors(include_url=False, include_input=False):
        context = detail.get("ctx") or {}
        if detail["type"] == "value_error" and "error" in context:
            message = str(context["error"])
        else:
            message = detail["msg"]
        where = _format_location(detail["loc"])
        problems.append(f"{where}: {message}" if where else message)
    return problems


def _format_location(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


def metadata_dict(obj: Mapping[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return dict(metadata) if isinstance(metadata, Mapping) else {}
