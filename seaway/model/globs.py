"""Glob patterns as Argo CD matches them in projects (the gobwas/glob dialect).

`*` matches any run of characters except a separator, `**` matches across separators, `?` one
character that is not a separator, `[abc]`, `[a-z]` and `[!a-z]` classes, `{a,b}` alternatives
and `\\` escapes. With no separators `*` and `**` are the same. A pattern that does not compile
matches nothing, as in Argo CD.
"""

from __future__ import annotations

import re
from functools import lru_cache


class _Unbalanced(Exception):
    pass


def _character_class(body: str) -> str:
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    if not body:
        raise _Unbalanced
    escaped = "".join(
        "-" if char == "-" and 0 < k < len(body) - 1 else re.escape(char)
        for k, char in enumerate(body)
    )
    return f"[{'^' if negate else ''}{escaped}]"


# Inside {...}: what each brace character becomes, and how it changes the nesting depth.
_BRACES = {"{": ("(?:", 1), "}": (")", -1), ",": ("|", 0)}


def _translate(pattern: str, separators: str) -> str:
    not_sep = f"[^{re.escape(separators)}]" if separators else "."
    out: list[str] = []
    depth = 0  # inside how many {...} alternatives
    i = 0
    while i < len(pattern):
        char = pattern[i]
        step = 1
        if char == "\\":
            if i + 1 >= len(pattern):
                raise _Unbalanced
            out.append(re.escape(pattern[i + 1]))
            step = 2
        elif pattern.startswith("**", i):
            out.append(".*")
            step = 2
        elif char in "*?":
            out.append(f"{not_sep}*" if char == "*" else not_sep)
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                raise _Unbalanced
            out.append(_character_class(pattern[i + 1 : end]))
            step = end + 1 - i
        elif char in _BRACES and (char == "{" or depth):
            text, change = _BRACES[char]
            out.append(text)
            depth += change
        else:
            out.append(re.escape(char))
        i += step
    if depth:
        raise _Unbalanced
    return "".join(out)


@lru_cache(maxsize=4096)
def _compile(pattern: str, separators: str) -> re.Pattern[str] | None:
    try:
        return re.compile(_translate(pattern, separators), re.DOTALL)
    except (_Unbalanced, re.error):
        return None


def glob_match(pattern: str, text: str, separators: str = "") -> bool:
    """Whether `text` matches `pattern` in full."""
    compiled = _compile(pattern, separators)
    return compiled is not None and compiled.fullmatch(text) is not None


def is_deny_pattern(pattern: str) -> bool:
    """Whether a project pattern is a denial ("!pattern")."""
    return pattern.startswith("!")


def project_glob_match(pattern: str, text: str, separators: str = "") -> bool:
    """Argo CD's rule for one project pattern.

    A denial "!p" "matches" whatever p does not match, "*" matches anything, and any other
    pattern is a glob.
    """
    if is_deny_pattern(pattern):
        return not glob_match(pattern[1:], text, separators)
    if pattern == "*":
        return True
    return glob_match(pattern, text, separators)
