"""Semantic versions and the range constraints Argo CD Image Updater users write. Pure.

Versions: `1.2.3`, `v1.2.3`, `1.2.3-rc.1`, `1.2.3+build` (build metadata is ignored in order);
a tag with fewer parts (`1.2`) is read as `1.2.0`, as the Masterminds library Image Updater uses
reads it. Constraints: comparisons (`=`, `!=`, `>`, `>=`, `<`, `<=`), tilde (`~1.2`: patches
of 1.2), caret (`^1.2`: up to the next major; `^0.2`: up to the next minor), wildcards (`1.x`,
`1.2.*`, `*`), hyphen ranges (`1.2 - 1.4`), terms joined by spaces or commas (and), groups
joined by `||` (or). Pre-releases are candidates only when the constraint names one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_VERSION = re.compile(
    r"^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)
_PARTIAL = re.compile(
    r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_TERM = re.compile(r"^(>=|<=|!=|=>|=<|==|>|<|=|~>|~|\^)?\s*(.+)$")
_WILD = frozenset({"x", "X", "*"})


@dataclass(frozen=True, order=False)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A release sorts after its pre-releases; numeric identifiers sort below alphanumeric.
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, parts)

    def __lt__(self, other: Version) -> bool:
        return self.key() < other.key()

    def __le__(self, other: Version) -> bool:
        return self.key() <= other.key()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{'.'.join(self.prerelease)}" if self.prerelease else text


def parse_version(text: str) -> Version | None:
    """None when the tag is not a version (`latest`, a commit hash)."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    return Version(
        int(major), int(minor or 0), int(patch or 0), tuple(pre.split(".")) if pre else ()
    )


Check = Callable[[Version], bool]


class ConstraintError(ValueError):
    pass


@dataclass(frozen=True)
class Constraint:
    text: str
    groups: tuple[tuple[Check, ...], ...]
    allows_prerelease: bool

    def allows(self, version: Version) -> bool:
        if version.prerelease and not self.allows_prerelease:
            return False
        return any(all(check(version) for check in group) for group in self.groups)


def parse_constraint(text: str) -> Constraint:
    """Raise ConstraintError naming the term that cannot be read."""
    source = text.strip() or "*"
    groups = []
    for group in source.split("||"):
        checks: list[Check] = []
        for term in _terms(group):
            checks.extend(_term(term, source))
        groups.append(tuple(checks))
    return Constraint(source, tuple(groups), "-" in re.sub(r"\s-\s", " ", source))


def newest(tags: Iterable[str], constraint: Constraint) -> str | None:
    """The tag of the highest version the constraint allows; None if no tag qualifies."""
    best: tuple[Version, str] | None = None
    for tag in tags:
        version = parse_version(tag)
        if version is None or not constraint.allows(version):
            continue
        if best is None or best[0] < version:
            best = (version, tag)
    return best[1] if best else None


def _terms(group: str) -> list[str]:
    # "1.2 - 1.4" is one term; otherwise spaces and commas separate terms, and an operator may
    # stand apart from its version (">= 1.2").
    text = re.sub(r"\s+-\s+", " - ", group.replace(",", " ")).strip()
    words = text.split()
    terms: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if index + 2 < len(words) and words[index + 1] == "-":
            terms.append(f"{word} - {words[index + 2]}")
            index += 3
            continue
        if re.fullmatch(r"(>=|<=|!=|==|>|<|=|~|\^|~>)", word) and index + 1 < len(words):
            terms.append(word + words[index + 1])
            index += 2
            continue
        terms.append(word)
        index += 1
    return terms


def _partial(text: str, source: str) -> tuple[list[int | None], tuple[str, ...]]:
    match = _PARTIAL.match(text)
    if match is None:
        raise ConstraintError(f"{source!r}: {text!r} is not a version")
    parts: list[int | None] = []
    for part in match.groups()[:3]:
        if part is None or part in _WILD:
            parts.append(None)
        else:
            parts.append(int(part))
    # Anything after a wildcard is a wildcard too (1.x.3 is 1.x).
    for index, part in enumerate(parts):
        if part is None:
            parts[index + 1 :] = [None] * (2 - index)
            break
    pre = match.group(4)
    return parts, tuple(pre.split(".")) if pre else ()


def _floor(parts: list[int | None], pre: tuple[str, ...]) -> Version:
    major, minor, patch = (p or 0 for p in parts)
    return Version(major, minor, patch, pre)


def _next(parts: list[int | None]) -> Version:
    """The first version above every version the partial names (1.2 -> 1.3.0-0)."""
    major, minor, patch = parts
    if major is None:
        return Version(1 << 62, 0, 0)
    if minor is None:
        return Version(major + 1, 0, 0, ("0",))
    if patch is None:
        return Version(major, minor + 1, 0, ("0",))
    return Version(major, minor, patch + 1, ("0",))


def _caret_ceiling(parts: list[int | None]) -> Version:
    major, minor, patch = parts
    if major is None:
        return Version(1 << 62, 0, 0)
    if major > 0 or minor is None:
        return Version(major + 1, 0, 0, ("0",))
    if minor > 0 or patch is None:
        return Version(0, minor + 1, 0, ("0",))
    return Version(0, 0, patch + 1, ("0",))


def _at_least(low: Version) -> Check:
    return lambda v: low <= v


def _below(high: Version) -> Check:
    return lambda v: v < high


def _term(term: str, source: str) -> list[Check]:
    if " - " in term:
        low_text, high_text = term.split(" - ")
        low_parts, low_pre = _partial(low_text, source)
        high_parts, high_pre = _partial(high_text, source)
        high = _floor(high_parts, high_pre) if None not in high_parts else _next(high_parts)
        inclusive = None not in high_parts
        upper = (lambda v: v <= high) if inclusive else _below(high)
        return [_at_least(_floor(low_parts, low_pre)), upper]
    match = _TERM.match(term)
    if match is None:
        raise ConstraintError(f"{source!r}: cannot read {term!r}")
    op, rest = match.group(1) or "", match.group(2)
    parts, pre = _partial(rest, source)
    exact = None not in parts
    floor = _floor(parts, pre)
    if op in ("", "=", "=="):
        if exact:
            return [lambda v: v.key() == floor.key()]
        return [_at_least(floor), _below(_next(parts))]
    if op in ("~", "~>"):
        ceiling = _next([parts[0], parts[1], None] if parts[1] is not None else parts)
        return [_at_least(floor), _below(ceiling)]
    if op == "^":
        return [_at_least(floor), _below(_caret_ceiling(parts))]
    if op == "!=":
        return [lambda v: v.key() != floor.key()]
    if op in (">=", "=>"):
        return [_at_least(floor)]
    if op == ">":
        return [(lambda v: floor < v) if exact else _at_least(_next(parts))]
    if op == "<":
        return [_below(floor)]
    return [(lambda v: v <= floor) if exact else _below(_next(parts))]
