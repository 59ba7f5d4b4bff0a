"""Container image references (`name[:tag][@digest]`), parsed as the distribution spec says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seaway.promote.writeback.errors import ImageRefError

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_NAME_RE = re.compile(rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_SHA256_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_DOCKER_HUB = "docker.io"


@dataclass(frozen=True)
class ImageRef:
    """One image reference; `name` is everything before the tag and digest."""

    name: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        return self.with_name(self.name)

    def with_name(self, name: str) -> str:
        """This reference's tag and digest after another spelling of the same name."""
        text = name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def canonical_name(self) -> str:
        return canonical_name(self.name)


def canonical_name(name: str) -> str:
    """The fully qualified name, so that `nginx` and `docker.io/library/nginx` compare equal."""
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        domain, path = _DOCKER_HUB, name
    else:
        domain, path = first, rest
    if domain in {"index.docker.io", "registry-1.docker.io"}:
        domain = _DOCKER_HUB
    if domain == _DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return f"{domain}/{path}"


def parse_image_ref(text: str) -> ImageRef:
    """Parse `IMAGE:TAG`, `IMAGE@DIGEST` or `IMAGE:TAG@DIGEST`; raise ImageRefError if invalid."""
    raw = text.strip()
    if not raw:
        raise ImageRefError("the image reference is empty")
    rest, at, digest = raw.partition("@")
    if at and not _DIGEST_RE.match(digest):
        raise ImageRefError(
            f"{text!r} is not a valid image reference: {digest!r} is not a digest "
            "(expected ALGORITHM:HEX, such as sha256: and 64 hex digits)"
        )
    if at and digest.startswith("sha256:") and not _SHA256_RE.match(digest):
        raise ImageRefError(
            f"{text!r} is not a valid image reference: a sha256 digest is 64 lowercase hex digits"
        )
    name, tag = rest, None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        name, tag = rest[:colon], rest[colon + 1 :]
        if not _TAG_RE.match(tag):
            raise ImageRefError(
                f"{text!r} is not a valid image reference: {tag!r} is not a valid tag "
                "(letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"
            )
    if not _NAME_RE.match(name):
        raise ImageRefError(
            f"{text!r} is not a valid image reference: {name!r} is not a valid image name "
            "(lowercase path components, optionally after a registry host)"
        )
    return ImageRef(name=name, tag=tag, digest=digest if at else None)


def try_parse_image_ref(text: str) -> ImageRef | None:
    """The reference, or None: a manifest may hold a templated or odd value we must not reject."""
    try:
        return parse_image_ref(text)
    except ImageRefError:
        return None
