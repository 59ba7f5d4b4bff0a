"""Errors about a scan report that name the file and the exact field."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

# Beyond this many, a report is not the format we think it is; more lines help nobody.
_MAX_PROBLEMS = 20


class ReportError(ValueError):
    """A report that cannot be read: one line per problem, each naming the file and field."""

    def __init__(self, source_name: str, problems: Sequence[str]) -> None:
        if not problems:
            raise ValueError("a ReportError needs at least one problem")
        self.source_name = source_name
        self.problems: tuple[str, ...] = tuple(problems)
        shown = [f"{source_name}: {problem}" for problem in self.problems[:_MAX_PROBLEMS]]
        if len(self.problems) > _MAX_PROBLEMS:
            shown.append(f"{source_name}: ... and {len(self.problems) - _MAX_PROBLEMS} more")
        super().__init__("\n".join(shown))


def format_location(loc: Sequence[str | int]) -> str:
    """("matches", 3, "vulnerability", "severity") -> "matches[3].vulnerability.severity"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


# Pydantic adds the member of a union it tried ("str", "GrypeImageTarget") to an error's
# location; the user wrote no such field.
_UNION_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none"})


def validation_problems(
    error: ValidationError, union_tags: frozenset[str] = frozenset()
) -> list[str]:
    """Pydantic's errors as "field.path: message" lines, never quoting the input."""
    problems = []
    for detail in error.errors(include_url=False, include_input=False):
        tags = _UNION_TAGS | union_tags
        loc = [part for part in detail["loc"] if isinstance(part, int) or part not in tags]
        context = detail.get("ctx") or {}
        if detail["type"] == "value_error" and "error" in context:
            message = str(context["error"])
        else:
            message = detail["msg"]
        where = format_location(loc)
        problems.append(f"{where}: {message}" if where else message)
    return problems
