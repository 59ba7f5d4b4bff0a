"""Rendering an ApplicationSet's strings with one parameter set, in either of Argo CD's forms.

The plain form is Argo CD's fasttemplate: `{{ name }}` (spaces trimmed) becomes the parameter's
value, and a tag naming no parameter is left exactly as written. With goTemplate, each string
is a Go template (seaway.appset.gotemplate). Either way only strings change: keys and values of
mappings, items of lists; numbers and booleans stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seaway.appset.gotemplate import TemplateError, render_go

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def render_plain(text: str, params: Mapping[str, str]) -> str:
    """Argo CD's plain form: known `{{param}}` replaced, unknown ones kept as written."""
    if "{{" not in text:
        return text

    def one(found: re.Match[str]) -> str:
        value = params.get(found.group(1).strip())
        return found.group(0) if value is None else value

    return _TAG.sub(one, text)


@dataclass(frozen=True)
class Renderer:
    """One parameter set and the form to render it in."""

    params: Mapping[str, Any]
    go_template: bool = False
    missing_error: bool = False

    def text(self, text: str) -> str:
        if self.go_template:
            return render_go(text, self.params, missing_error=self.missing_error)
        return render_plain(text, self.params)

    def value(self, value: Any, path: str = "") -> Any:
        """`value` with every string in it rendered; errors name the field (`path`)."""
        try:
            return self._value(value, path)
        except _FieldError as exc:
            raise TemplateError(f"{exc.path}: {exc.message}" if exc.path else exc.message) from None

    def _value(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            try:
                return self.text(value)
            except TemplateError as exc:
                raise _FieldError(path, str(exc)) from None
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                out[self._value(str(key), child)] = self._value(item, child)
            return out
        if isinstance(value, list):
            return [self._value(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value


class _FieldError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
