"""Which images an Application asks to have polled, read from Argo CD Image Updater's
annotations, and how a strategy picks the image to run. Pure.

    metadata:
      annotations:
        argocd-image-updater.argoproj.io/image-list: api=registry.example.com/shop/api:^1.2
        argocd-image-updater.argoproj.io/api.update-strategy: semver   # or newest-build, digest
        argocd-image-updater.argoproj.io/api.allow-tags: regexp:^main-[0-9]+$
        argocd-image-updater.argoproj.io/api.ignore-tags: "*-debug, latest"
        argocd-image-updater.argoproj.io/api.helm.image-tag: image.tag     # a Helm values key
        argocd-image-updater.argoproj.io/git-branch: main                  # where to write

The part after the image's last `:` is the constraint: a semver range for `semver`, the tag
to follow for `digest`. Image Updater's older names `latest` (for newest-build) and `name`
are read; `name` and `alphabetical` pick the last tag in lexical order. Only Git write-back
exists: `write-back-method: argocd` is refused, since changing the Application is not GitOps.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from seaway.promote.poll.semver import ConstraintError, newest, parse_constraint

PREFIX = "argocd-image-updater.argoproj.io/"
IMAGE_LIST = PREFIX + "image-list"
GIT_BRANCH = PREFIX + "git-branch"
WRITE_BACK_METHOD = PREFIX + "write-back-method"
# The label CI sets to say when an image was built, read before the config's `created`.
CREATED_LABEL = "org.opencontainers.image.created"


class PollError(ValueError):
    """An annotation cannot be used; the message names it."""


class Strategy(StrEnum):
    SEMVER = "semver"
    NEWEST_BUILD = "newest-build"
    DIGEST = "digest"
    ALPHABETICAL = "alphabetical"


_ALIASES = {"latest": Strategy.NEWEST_BUILD, "name": Strategy.ALPHABETICAL}


@dataclass(frozen=True)
class ImageSpec:
    alias: str
    image: str
    constraint: str
    strategy: Strategy
    allow_tags: re.Pattern[str] | None = None
    ignore_tags: tuple[str, ...] = ()
    helm_tag: str | None = None
    helm_name: str | None = None

    def candidate(self, tag: str) -> bool:
        if any(fnmatch.fnmatchcase(tag, pattern) for pattern in self.ignore_tags):
            return False
        return self.allow_tags is None or self.allow_tags.search(tag) is not None


def parse_specs(annotations: Mapping[str, str]) -> list[ImageSpec]:
    """Every image the annotations list; PollError naming the annotation that is wrong."""
    listed = annotations.get(IMAGE_LIST, "").strip()
    if not listed:
        return []
    method = annotations.get(WRITE_BACK_METHOD, "git").strip()
    if not method.startswith("git"):
        raise PollError(f"{WRITE_BACK_METHOD}: {method!r} is not supported; Seaway writes to Git")
    specs = []
    for entry in (e.strip() for e in listed.split(",")):
        if entry:
            specs.append(_spec(entry, annotations))
    aliases = [s.alias for s in specs]
    if len(set(aliases)) != len(aliases):
        raise PollError(f"{IMAGE_LIST}: an alias is used twice ({', '.join(aliases)})")
    return specs


def _spec(entry: str, annotations: Mapping[str, str]) -> ImageSpec:
    alias, eq, path = entry.partition("=")
    if not eq:
        alias, path = "", entry
    head, slash, last = path.rpartition("/")
    name, colon, constraint = last.partition(":")
    image = f"{head}{slash}{name}"
    alias = alias.strip() or name
    if not name:
        raise PollError(f"{IMAGE_LIST}: {entry!r} names no image")

    def get(key: str) -> str:
        return annotations.get(f"{PREFIX}{alias}.{key}", "").strip()

    raw = get("update-strategy") or Strategy.SEMVER.value
    strategy = _ALIASES.get(raw) or _strategy(raw, alias)
    if strategy is Strategy.SEMVER:
        try:
            parse_constraint(constraint)
        except ConstraintError as exc:
            raise PollError(f"{IMAGE_LIST}: {exc}") from None
    if strategy is Strategy.DIGEST and not colon:
        raise PollError(f"{IMAGE_LIST}: {entry!r}: the digest strategy needs the tag to follow")
    return ImageSpec(
        alias=alias,
        image=image,
        constraint=constraint,
        strategy=strategy,
        allow_tags=_allow(get("allow-tags"), alias),
        ignore_tags=tuple(p.strip() for p in get("ignore-tags").split(",") if p.strip()),
        helm_tag=get("helm.image-tag") or None,
        helm_name=get("helm.image-name") or None,
    )


def _strategy(raw: str, alias: str) -> Strategy:
    try:
        return Strategy(raw)
    except ValueError:
        known = ", ".join(s.value for s in Strategy)
        raise PollError(f"{PREFIX}{alias}.update-strategy: {raw!r} is not one of {known}") from None


def _allow(text: str, alias: str) -> re.Pattern[str] | None:
    if not text or text == "any":
        return None
    if not text.startswith("regexp:"):
        raise PollError(f"{PREFIX}{alias}.allow-tags: {text!r} must be regexp:<expression>")
    try:
        return re.compile(text.removeprefix("regexp:"))
    except re.error as exc:
        raise PollError(f"{PREFIX}{alias}.allow-tags: {exc}") from None


def choose_tag(spec: ImageSpec, tags: Iterable[str]) -> str | None:
    """semver and alphabetical choose from the tags alone; None when no tag qualifies."""
    candidates = [t for t in tags if spec.candidate(t)]
    if spec.strategy is Strategy.SEMVER:
        return newest(candidates, parse_constraint(spec.constraint))
    if spec.strategy is Strategy.ALPHABETICAL:
        return max(candidates, default=None)
    raise ValueError(f"{spec.strategy.value} does not choose from tag names")


def newest_build(built: Mapping[str, datetime | None]) -> str | None:
    """The tag built last; ties go to the later tag name, tags without a time never win."""
    dated = [(when, tag) for tag, when in built.items() if when is not None]
    return max(dated)[1] if dated else None
