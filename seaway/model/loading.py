"""Reading Argo resources from YAML or JSON text, with errors people can act on.

By default the kinds read are Application and AppProject, what an apps folder holds; callers
pass `kinds` (e.g. ROLLOUT_KINDS or ALL_KINDS) to read Argo Rollouts' kinds as well.

Every problem names the file, the document, the object and the field: "apps.yaml, document 2
(Application guestbook): spec.destination: either server or name is required". All problems in
a file are reported at once, so one pass fixes them all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, overload

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from seaway.model.analysis import AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate
from seaway.model.application import API_VERSION, Application
from seaway.model.base import FieldProblem, ObjectMeta
from seaway.model.project import AppProject
from seaway.model.rollout import Rollout

Manifest = (
    Application | AppProject | Rollout | AnalysisTemplate | ClusterAnalysisTemplate | AnalysisRun
)
RolloutManifest = Rollout | AnalysisTemplate | ClusterAnalysisTemplate | AnalysisRun

KINDS: Mapping[str, type[Application | AppProject]] = {
    "Application": Application,
    "AppProject": AppProject,
}
ROLLOUT_KINDS: Mapping[str, type[RolloutManifest]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
    "AnalysisRun": AnalysisRun,
}
ALL_KINDS: Mapping[str, type[Manifest]] = {**KINDS, **ROLLOUT_KINDS}


class _Loaded(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def metadata(self) -> ObjectMeta: ...


_M = TypeVar("_M", bound=_Loaded)


def _kind_list(kinds: Mapping[str, object]) -> str:
    names = list(kinds)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class ManifestProblem:
    source_name: str
    # 1-based, counting every document in the file, empty ones too, so it matches what an
    # editor shows between "---" lines.
    document: int
    # 1-based position inside a List document's items; None outside lists.
    item: int | None
    kind: str
    name: str
    # Dotted path of the field, e.g. "spec.sources[1].repoURL"; empty for the whole object.
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source_name}, document {self.document}"
        if self.item is not None:
            where += f", item {self.item}"
        if self.kind:
            where += f" ({self.kind} {self.name or '(no name)'})"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ManifestError(ValueError):
    """A file that does not hold valid Applications and AppProjects; one line per problem."""

    def __init__(self, problems: Sequence[ManifestProblem]) -> None:
        if not problems:
            raise ValueError("a ManifestError needs at least one problem")
        self.problems: tuple[ManifestProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def source_name(self) -> str:
        return self.problems[0].source_name


def format_path(loc: Sequence[str | int]) -> str:
    """("spec", "sources", 1, "repoURL") -> "spec.sources[1].repoURL"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


# Pydantic names the member of a union (int | str) or a validator function in the location;
# neither is a field the user wrote.
_UNION_TAGS = frozenset({"int", "str", "float", "bool", "list", "dict"})


def _user_loc(loc: Sequence[str | int]) -> list[str | int]:
    return [
        part for part in loc if not (isinstance(part, str) and (part in _UNION_TAGS or "[" in part))
    ]


def _message(error: ErrorDetails) -> tuple[list[str | int], str]:
    loc = _user_loc(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return [*loc, *cause.path], cause.message
    if isinstance(cause, ValueError) and error["type"] == "value_error":
        return loc, str(cause)
    if error["type"] == "missing":
        return loc, "this field is required"
    message = error["msg"][:1].lower() + error["msg"][1:]
    given = error.get("input")
    if isinstance(given, bool | int | float) or given is None:
        # Shown as YAML spells it (true, null), which is what the user wrote.
        message += f", got {json.dumps(given)}"
        if error["type"] == "string_type" and given is not None:
            message += " (quote the value in YAML to make it a string)"
    return loc, message


def _object_label(obj: Mapping[str, Any]) -> tuple[str, str]:
    kind = obj.get("kind")
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return (kind if isinstance(kind, str) else "", name if isinstance(name, str) else "")


def _parse(
    obj: Mapping[str, Any],
    source_name: str,
    document: int,
    item: int | None,
    kinds: Mapping[str, type[_M]],
) -> _M | list[ManifestProblem]:
    kind, name = _object_label(obj)

    def problem(path: str, message: str) -> list[ManifestProblem]:
        return [ManifestProblem(source_name, document, item, kind, name, path, message)]

    api_version = obj.get("apiVersion")
    if not kind:
        return problem("kind", f"is required ({_kind_list(kinds)})")
    model = kinds.get(kind)
    if model is None:
        return problem("kind", f"{kind} is not a kind Seaway reads ({_kind_list(kinds)})")
    # Argo's kinds are argoproj.io/v1alpha1; a kind of Seaway's own names its apiVersion.
    field = getattr(model, "model_fields", {}).get("api_version")
    expected = field.default if field is not None and field.default else API_VERSION
    if api_version != expected:
        shown = "missing" if api_version is None else repr(api_version)
        return problem("apiVersion", f"must be {expected}, not {shown}")
    try:
        # Every model in a kinds mapping is a pydantic model; the Protocol bound only says what
        # loading reads from the result.
        return model.model_validate(obj)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as error:
        problems: list[ManifestProblem] = []
        seen: set[tuple[str, str]] = set()
        for detail in error.errors():
            loc, message = _message(detail)
            path = format_path(loc)
            if (path, message) in seen:
                continue
            seen.add((path, message))
            problems.extend(problem(path, message))
        return problems


@overload
def parse_object(
    obj: Mapping[str, Any], source_name: str = "<object>", document: int = 1
) -> Application | AppProject: ...


@overload
def parse_object(
    obj: Mapping[str, Any],
    source_name: str = "<object>",
    document: int = 1,
    *,
    kinds: Mapping[str, type[_M]],
) -> _M: ...


def parse_object(
    obj: Mapping[str, Any],
    source_name: str = "<object>",
    document: int = 1,
    *,
    kinds: Mapping[str, type[Any]] = KINDS,
) -> Any:
    """One object of the given kinds (Application or AppProject by default) from an already
    parsed mapping (e.g. from the API)."""
    result = _parse(obj, source_name, document, None, kinds)
    if isinstance(result, list):
        raise ManifestError(result)
    return result


def _yaml_documents(text: str, source_name: str) -> list[object]:
    documents: list[object] = []
    try:
        documents.extend(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ManifestError(
            [
                ManifestProblem(
                    source_name, len(documents) + 1, None, "", "", "", f"invalid YAML{at}: {reason}"
                )
            ]
        ) from None
    return documents


@overload
def load_documents(text: str, source_name: str) -> list[Application | AppProject]: ...


@overload
def load_documents(text: str, source_name: str, *, kinds: Mapping[str, type[_M]]) -> list[_M]: ...


def load_documents(
    text: str, source_name: str, *, kinds: Mapping[str, type[Any]] = KINDS
) -> list[Any]:
    """The objects of the given kinds (Application and AppProject by default) in a YAML (or
    JSON) text of one or more documents.

    Empty documents are skipped; a `kind: List` document contributes its items. Raises
    ManifestError naming every problem found.
    """
    objects: list[Any] = []
    problems: list[ManifestProblem] = []
    first_seen: dict[tuple[str, str, str], int] = {}
    for document, content in enumerate(_yaml_documents(text, source_name), start=1):
        if content is None:
            continue
        if not isinstance(content, dict):
            problems.append(
                ManifestProblem(
                    source_name,
                    document,
                    None,
                    "",
                    "",
                    "",
                    f"expected an object with apiVersion and kind, got {type(content).__name__}",
                )
            )
            continue
        entries: list[tuple[int | None, object]] = [(None, content)]
        if content.get("kind") == "List" and isinstance(content.get("items"), list):
            entries = [(index, entry) for index, entry in enumerate(content["items"], start=1)]
        for item, entry in entries:
            if not isinstance(entry, dict):
                problems.append(
                    ManifestProblem(source_name, document, item, "", "", "", "expected an object")
                )
                continue
            result = _parse(entry, source_name, document, item, kinds)
            if isinstance(result, list):
                problems.extend(result)
                continue
            identity = (result.kind, result.metadata.namespace, result.metadata.name)
            if identity in first_seen:
                problems.append(
                    ManifestProblem(
                        source_name,
                        document,
                        item,
                        result.kind,
                        result.metadata.name,
                        "metadata.name",
                        f"{result.kind} {result.metadata.name} is already defined in "
                        f"document {first_seen[identity]}",
                    )
                )
                continue
            first_seen[identity] = document
            objects.append(result)
    if problems:
        raise ManifestError(problems)
    return objects
