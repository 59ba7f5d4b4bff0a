"""Fields the diff leaves out for matching objects (Argo CD's ResourceIgnoreDifferences)."""

from __future__ import annotations

from pydantic import Field, model_validator

from seaway.model.base import ArgoModel, FieldProblem


class ResourceIgnoreDifferences(ArgoModel):
    # Empty group is the core group; "*" in group or kind matches any.
    group: str = ""
    kind: str
    name: str = ""
    namespace: str = ""
    json_pointers: list[str] = Field(default_factory=list)
    jq_path_expressions: list[str] = Field(default_factory=list)
    # Fields last written by these field managers are left as they are live.
    managed_fields_managers: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ResourceIgnoreDifferences:
        if not self.kind:
            raise FieldProblem("kind is required (use '*' for any kind)", "kind")
        for index, pointer in enumerate(self.json_pointers):
            # RFC 6901: a pointer is empty (the whole document) or starts with "/".
            if pointer and not pointer.startswith("/"):
                raise FieldProblem(
                    f"{pointer!r} is not a JSON pointer: it must start with '/'",
                    "jsonPointers",
                    index,
                )
        for index, expression in enumerate(self.jq_path_expressions):
            if not expression.strip():
                raise FieldProblem("a jq path expression is empty", "jqPathExpressions", index)
        return self
