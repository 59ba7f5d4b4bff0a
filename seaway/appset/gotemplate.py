"""The part of Go's text/template (with Sprig's functions) that ApplicationSets are written in.

Go's template engine does not exist in Python, and no maintained port does, so this is a small
interpreter of the subset ApplicationSet templates use:

- fields, nested: `{{.cluster}}`, `{{.path.basename}}`, and `.` itself;
- literals: "strings" (Go escapes), `raw strings`, integers, true, false;
- pipelines and parentheses: `{{.name | lower | trunc 20}}`, `{{index .path.segments 1}}`;
- `{{- ... -}}` trimming, `{{/* comments */}}`;
- `{{if PIPELINE}} ... {{else if PIPELINE}} ... {{else}} ... {{end}}`;
- the functions in FUNCTIONS (Go's built-ins index, len, eq, ne, not, and, or, printf, and
  Sprig's default, lower, upper, title, trim, trimPrefix, trimSuffix, replace, trunc, quote,
  squote, toJson, toYaml, join, splitList, first, last, ternary, contains, hasPrefix,
  hasSuffix, empty, required, b64enc, b64dec, sha256sum, plus Argo CD's normalize).

Values print as Go prints them (`<no value>` for a missing key, unless missingkey=error).
Anything outside the subset (range, with, variables, other functions) raises TemplateError
naming the expression: a template is refused rather than rendered wrongly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import yaml

from seaway.appset.params import normalize_name


class TemplateError(ValueError):
    """A template that does not parse, or does not evaluate with the parameters given."""


class _Missing:
    """A key a map does not have: Go's invalid reflect.Value."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Final = _Missing()
_WHITESPACE = " \t\r\n"

# -- lexing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # field, string, number, ident, lparen, rparen, pipe
    value: Any


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def _string(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(out), i + 1
        if char == "\\" and i + 1 < len(text):
            escaped = text[i + 1]
            if escaped not in _ESCAPES:
                raise TemplateError(f"unsupported escape \\{escaped} in a string")
            out.append(_ESCAPES[escaped])
            i += 2
            continue
        if char == "\n":
            break
        out.append(char)
        i += 1
    raise TemplateError("unterminated quoted string")


def _lex_token(text: str, i: int) -> tuple[_Tok, int]:
    """One literal, field or name starting at `i`, and the index after it."""
    char = text[i]
    if char == '"':
        value, end = _string(text, i)
        return _Tok("string", value), end
    if char == "`":
        end = text.find("`", i + 1)
        if end < 0:
            raise TemplateError("unterminated raw string")
        return _Tok("string", text[i + 1 : end]), end + 1
    if char == "." and (found := _FIELD.match(text, i)) is not None:
        path = found.group(1)
        return _Tok("field", tuple(path.split(".")) if path else ()), found.end()
    if (found := _NUMBER.match(text, i)) is not None:
        number = found.group(0)
        return _Tok("number", float(number) if "." in number else int(number)), found.end()
    if (found := _IDENT.match(text, i)) is not None:
        return _Tok("ident", found.group(0)), found.end()
    if char == "$":
        raise TemplateError("variables ($) are not supported")
    raise TemplateError(f"unexpected {char!r}")


def _lex_action(text: str, start: int) -> tuple[list[_Tok], int, bool]:
    """Tokens of the action starting at `start` (after `{{`), the index after its `}}`, and
    whether it ends with the trim marker."""
    toks: list[_Tok] = []
    i = start
    simple = {"(": "lparen", ")": "rparen", "|": "pipe"}
    while i < len(text):
        char = text[i]
        if char in _WHITESPACE and text.startswith("-}}", i + 1):
            return toks, i + 4, True
        if text.startswith("}}", i):
            return toks, i + 2, False
        if char in _WHITESPACE:
            i += 1
        elif char in simple:
            toks.append(_Tok(simple[char], char))
            i += 1
        else:
            tok, i = _lex_token(text, i)
            toks.append(tok)
    raise TemplateError("unclosed action (no closing }})")


# -- parsing -----------------------------------------------------------------------------------

Operand = tuple[str, Any]  # ("field", path) | ("literal", value) | ("call", name) | ("pipe", ...)
Command = list[Operand]
Pipeline = list[Command]


@dataclass
class _If:
    branches: list[tuple[Pipeline, list[Node]]]
    otherwise: list[Node]


Node = str | Pipeline | _If

_KEYWORDS_UNSUPPORTED = frozenset({"range", "with", "define", "template", "block", "break"})
_LITERALS: Mapping[str, object] = {"true": True, "false": False, "nil": None}


def _parse_pipeline(toks: list[_Tok], pos: int, closing: str | None) -> tuple[Pipeline, int]:
    pipeline: Pipeline = []
    command: Command = []
    while pos < len(toks):
        tok = toks[pos]
        if tok.kind == closing:
            break
        pos += 1
        if tok.kind == "pipe":
            if not command:
                raise TemplateError("missing command before |")
            pipeline.append(command)
            command = []
        elif tok.kind == "lparen":
            inner, pos = _parse_pipeline(toks, pos, "rparen")
            if pos >= len(toks):
                raise TemplateError("unclosed parenthesis")
            pos += 1
            command.append(("pipe", inner))
        elif tok.kind == "rparen":
            raise TemplateError("unexpected )")
        elif tok.kind == "field":
            command.append(("field", tok.value))
        elif tok.kind in ("string", "number"):
            command.append(("literal", tok.value))
        elif tok.value in _LITERALS:
            command.append(("literal", _LITERALS[tok.value]))
        else:
            command.append(("call", tok.value))
    if not command:
        raise TemplateError("missing value for command" if pipeline else "empty pipeline")
    pipeline.append(command)
    return pipeline, pos


def _whole_pipeline(toks: list[_Tok]) -> Pipeline:
    pipeline, pos = _parse_pipeline(toks, 0, None)
    if pos != len(toks):
        raise TemplateError("unexpected tokens after the pipeline")
    return pipeline


@dataclass
class _Frame:
    node: _If
    body: list[Node]


def _segments(text: str) -> list[tuple[str, Any]]:
    """("text", str) and ("action", tokens) pieces, with `{{-`/`-}}` trimming applied."""
    pieces: list[tuple[str, Any]] = []
    i = 0
    trim_next = False
    while True:
        start = text.find("{{", i)
        chunk = text[i:] if start < 0 else text[i:start]
        if trim_next:
            chunk = chunk.lstrip(_WHITESPACE)
        if start < 0:
            pieces.append(("text", chunk))
            return pieces
        body = start + 2
        if (
            text.startswith("- ", body)
            or text.startswith("-\t", body)
            or text.startswith("-\n", body)
        ):
            chunk = chunk.rstrip(_WHITESPACE)
            body += 1
        pieces.append(("text", chunk))
        if text[body:].lstrip(" \t").startswith("/*"):
            close = text.find("*/", body)
            end = text.find("}}", close) if close >= 0 else -1
            if end < 0:
                raise TemplateError("unclosed comment")
            trim_next = text[close + 2 : end].strip() == "-"
            i = end + 2
            continue
        toks, i, trim_next = _lex_action(text, body)
        pieces.append(("action", toks))


def _control(toks: list[_Tok], stack: list[_Frame], top: list[Node]) -> bool:
    """Handle if/else/end; False when the action is an ordinary pipeline."""
    head = toks[0].value if toks and toks[0].kind == "ident" else None
    current = stack[-1].body if stack else top
    if head == "if":
        node = _If([(_whole_pipeline(toks[1:]), [])], [])
        current.append(node)
        stack.append(_Frame(node, node.branches[0][1]))
        return True
    if head == "else":
        if not stack:
            raise TemplateError("{{else}} without {{if}}")
        frame = stack[-1]
        if len(toks) > 1 and toks[1].kind == "ident" and toks[1].value == "if":
            branch: tuple[Pipeline, list[Node]] = (_whole_pipeline(toks[2:]), [])
            frame.node.branches.append(branch)
            frame.body = branch[1]
        elif len(toks) == 1:
            frame.body = frame.node.otherwise
        else:
            raise TemplateError("{{else}} takes nothing but 'if'")
        return True
    if head == "end":
        if not stack or len(toks) > 1:
            raise TemplateError("unexpected {{end}}")
        stack.pop()
        return True
    if head in _KEYWORDS_UNSUPPORTED:
        raise TemplateError(f"{{{{{head}}}}} is not supported (Seaway runs if/else/end only)")
    return False


@lru_cache(maxsize=2048)
def _parse(text: str) -> list[Node]:
    top: list[Node] = []
    stack: list[_Frame] = []
    for kind, value in _segments(text):
        current = stack[-1].body if stack else top
        if kind == "text":
            if value:
                current.append(value)
        elif not _control(value, stack, top):
            current.append(_whole_pipeline(value))
    if stack:
        raise TemplateError("{{if}} without {{end}}")
    return top


# -- values ------------------------------------------------------------------------------------


def _float_text(value: float) -> str:
    if math.isinf(value) or math.isnan(value):
        return {math.inf: "+Inf", -math.inf: "-Inf"}.get(value, "NaN")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').zfill(2)}"
    return text


def go_print(value: object) -> str:
    """`value` as Go's fmt prints it with %v."""
    if value is MISSING or value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Mapping):
        inner = " ".join(f"{key}:{go_print(value[key])}" for key in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_print(item) for item in value) + "]"
    return str(value)


def is_empty(value: object) -> bool:
    """Sprig's `empty`: zero values, empty strings and collections, missing values."""
    if value is MISSING or value is None or value is False:
        return True
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    return isinstance(value, int | float) and value == 0


def _text(value: object, function: str) -> str:
    if isinstance(value, str):
        return value
    raise TemplateError(f"{function} expects a string, got {go_print(value)!r}")


def _integer(value: object, function: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise TemplateError(f"{function} expects an integer, got {go_print(value)!r}")
    return int(value)


def _index(collection: object, *keys: object) -> object:
    for key in keys:
        if isinstance(collection, Mapping):
            collection = collection.get(key, MISSING) if isinstance(key, str) else MISSING
        elif isinstance(collection, list | tuple):
            position = _integer(key, "index")
            if not 0 <= position < len(collection):
                raise TemplateError(f"index out of range: {position}")
            collection = collection[position]
        else:
            raise TemplateError(f"can't index item of type {type(collection).__name__}")
    return collection


def _trunc(length: object, value: object) -> str:
    count, text = _integer(length, "trunc"), _text(value, "trunc")
    if count < 0:
        return text[max(0, len(text) + count) :]
    return text[:count]


def _printf(form: object, *args: object) -> str:
    pattern = _text(form, "printf")
    values = list(args)

    def one(found: re.Match[str]) -> str:
        verb = found.group(1)
        if verb == "%":
            return "%"
        if not values:
            return f"%!{verb}(MISSING)"
        value = values.pop(0)
        if verb == "q":
            return json.dumps(_text(value, "printf %q"))
        if verb == "d":
            return str(_integer(value, "printf %d"))
        return go_print(value)

    out = re.sub(r"%([sdvq%])", one, pattern)
    if re.search(r"%[^sdvq%]", pattern):
        raise TemplateError(f"printf {pattern!r}: only %s, %d, %v and %q are supported")
    return out


def _eq(first: object, *others: object) -> bool:
    if not others:
        raise TemplateError("eq needs at least 2 arguments")
    return any(first == other for other in others)


def _required(message: object, value: object) -> object:
    if value is MISSING or value is None or value == "":
        raise TemplateError(_text(message, "required"))
    return value


def _to_json(value: object) -> str:
    return json.dumps(None if value is MISSING else value, separators=(",", ":"))


def _to_yaml(value: object) -> str:
    # As Sprig and Argo CD's toYaml: block style, keys sorted, no trailing newline.
    dumped = yaml.safe_dump(None if value is MISSING else value, default_flow_style=False)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _edge(value: object, function: str, at: int) -> object:
    if not isinstance(value, list | tuple):
        raise TemplateError(f"{function} expects a list, got {go_print(value)!r}")
    return value[at] if value else MISSING


def _b64decode(value: object) -> str:
    try:
        return base64.b64decode(_text(value, "b64dec"), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TemplateError(f"b64dec: {exc}") from None


def _title(value: object) -> str:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), _text(value, "title"))


FUNCTIONS: Mapping[str, Callable[..., object]] = {
    "index": _index,
    "len": lambda v: len(v) if isinstance(v, str | list | tuple | Mapping) else _integer(v, "len"),
    "eq": _eq,
    "ne": lambda a, b: a != b,
    "not": is_empty,
    "and": lambda *v: next((x for x in v if is_empty(x)), v[-1]),
    "or": lambda *v: next((x for x in v if not is_empty(x)), v[-1]),
    "printf": _printf,
    "default": lambda fallback, value=MISSING: fallback if is_empty(value) else value,
    "empty": is_empty,
    "required": _required,
    "lower": lambda v: _text(v, "lower").lower(),
    "upper": lambda v: _text(v, "upper").upper(),
    "title": _title,
    "trim": lambda v: _text(v, "trim").strip(),
    "trimPrefix": lambda p, v: _text(v, "trimPrefix").removeprefix(_text(p, "trimPrefix")),
    "trimSuffix": lambda s, v: _text(v, "trimSuffix").removesuffix(_text(s, "trimSuffix")),
    "replace": lambda old, new, v: _text(v, "replace").replace(
        _text(old, "replace"), _text(new, "replace")
    ),
    "trunc": _trunc,
    "quote": lambda *v: " ".join(json.dumps(go_print(x)) for x in v if x is not MISSING),
    "squote": lambda *v: " ".join(f"'{go_print(x)}'" for x in v if x is not MISSING),
    "toJson": _to_json,
    "join": lambda sep, v: _text(sep, "join").join(go_print(x) for x in v),
    "splitList": lambda sep, v: _text(v, "splitList").split(_text(sep, "splitList")),
    "contains": lambda sub, v: _text(sub, "contains") in _text(v, "contains"),
    "hasPrefix": lambda p, v: _text(v, "hasPrefix").startswith(_text(p, "hasPrefix")),
    "hasSuffix": lambda s, v: _text(v, "hasSuffix").endswith(_text(s, "hasSuffix")),
    "normalize": lambda v: normalize_name(_text(v, "normalize")),
    "toYaml": _to_yaml,
    "first": lambda v: _edge(v, "first", 0),
    "last": lambda v: _edge(v, "last", -1),
    "ternary": lambda yes, no, condition: yes if not is_empty(condition) else no,
    "b64enc": lambda v: base64.b64encode(_text(v, "b64enc").encode()).decode(),
    "b64dec": _b64decode,
    "sha256sum": lambda v: hashlib.sha256(_text(v, "sha256sum").encode()).hexdigest(),
}

# -- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    data: Mapping[str, Any]
    missing_error: bool


def _field(path: Sequence[str], ctx: _Context) -> object:
    value: object = ctx.data
    for depth, key in enumerate(path):
        if isinstance(value, Mapping):
            if key in value:
                value = value[key]
            elif ctx.missing_error:
                raise TemplateError(f'map has no entry for key "{key}"')
            else:
                value = MISSING
        elif value is MISSING or value is None:
            shown = "." + ".".join(path[: depth + 1])
            raise TemplateError(f"nil pointer evaluating {shown}")
        else:
            raise TemplateError(f"can't evaluate field {key} in type {type(value).__name__}")
    return value


def _operand(operand: Operand, ctx: _Context) -> object:
    kind, value = operand
    if kind == "field":
        return _field(value, ctx)
    if kind == "literal":
        return value
    if kind == "pipe":
        return _pipeline(value, ctx)
    raise TemplateError(f"{value} is a function: it takes no place as an argument")


def _command(command: Command, ctx: _Context, piped: tuple[object, ...]) -> object:
    kind, head = command[0]
    if kind != "call":
        if len(command) > 1 or piped:
            raise TemplateError("can't give argument to non-function")
        return _operand(command[0], ctx)
    function = FUNCTIONS.get(head)
    if function is None:
        raise TemplateError(
            f'function "{head}" is not supported (Seaway runs: {", ".join(sorted(FUNCTIONS))})'
        )
    args = [_operand(operand, ctx) for operand in command[1:]]
    try:
        return function(*args, *piped)
    except TypeError:
        raise TemplateError(f"wrong number of arguments for {head}") from None


def _pipeline(pipeline: Pipeline, ctx: _Context) -> object:
    value: tuple[object, ...] = ()
    for command in pipeline:
        value = (_command(command, ctx, value),)
    return value[0]


def _run(nodes: list[Node], ctx: _Context, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _If):
            for condition, body in node.branches:
                if not is_empty(_pipeline(condition, ctx)):
                    _run(body, ctx, out)
                    break
            else:
                _run(node.otherwise, ctx, out)
        else:
            out.append(go_print(_pipeline(node, ctx)))


def render_go(text: str, data: Mapping[str, Any], *, missing_error: bool = False) -> str:
    """`text` rendered as a Go template over `data`; TemplateError names the template."""
    if "{{" not in text:
        return text
    try:
        nodes = _parse(text)
        out: list[str] = []
        _run(nodes, _Context(data, missing_error), out)
    except TemplateError as exc:
        raise TemplateError(f"template {text!r}: {exc}") from None
    return "".join(out)
