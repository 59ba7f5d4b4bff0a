"""Argo CD's glob syntax for directory include/exclude.

`*` matches any run of characters, '/' included (no separators, as Argo CD compiles them), `?`
one character, `[abc]`/`[!abc]`/`[a-z]` a class, `{a,b}` any of the alternatives (nestable), and
a backslash makes the next character literal.
"""

from __future__ import annotations

import functools
import re

from seaway.source.errors import RenderError


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    regex, end = _translate(pattern, 0, in_braces=False)
    if end != len(pattern):
        raise RenderError(f"glob {pattern!r} has an unmatched '}}' at {end}")
    return re.compile(rf"\A(?:{regex})\Z", re.DOTALL)


def glob_match(pattern: str, text: str) -> bool:
    return compile_glob(pattern).match(text) is not None


def _translate(pattern: str, start: int, *, in_braces: bool) -> tuple[str, int]:
    """Translate from `start` up to the end, or up to the ',' or '}' that ends a brace term."""
    out: list[str] = []
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "}" or (in_braces and char == ","):
            break
        if char == "\\":
            if i + 1 >= len(pattern):
                raise RenderError(f"glob {pattern!r} ends with a lone backslash")
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif char == "*":
            while i < len(pattern) and pattern[i] == "*":
                i += 1
            out.append(".*")
        elif char == "?":
            out.append(".")
            i += 1
        elif char == "[":
            part, i = _char_class(pattern, i)
            out.append(part)
        elif char == "{":
            part, i = _alternatives(pattern, i)
            out.append(part)
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out), i


def _char_class(pattern: str, start: int) -> tuple[str, int]:
    close = pattern.find("]", start + 2)
    if close < 0:
        raise RenderError(f"glob {pattern!r} has an unclosed '['")
    body = pattern[start + 1 : close]
    negate = body.startswith("!")
    body = body[1:] if negate else body
    escaped = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
    return f"[{'^' if negate else ''}{escaped}]", close + 1


def _alternatives(pattern: str, start: int) -> tuple[str, int]:
    terms = []
    i = start + 1
    while True:
        term, i = _translate(pattern, i, in_braces=True)
        terms.append(term)
        if i >= len(pattern):
            raise RenderError(f"glob {pattern!r} has an unclosed '{{'")
        i += 1
        if pattern[i - 1] == "}":
            return "(?:" + "|".join(terms) + ")", i
