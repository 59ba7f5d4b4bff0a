"""Image references as Docker reads them: `[registry/]repository[:tag][@digest]`. Pure.

A first path element with a dot, a colon or `localhost` names a registry; otherwise the image is
on Docker Hub, where one-element names live under `library/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
# Docker Hub's API is not served on the name people write.
_API_HOSTS = {DOCKER_HUB: "registry-1.docker.io", "index.docker.io": "registry-1.docker.io"}
_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        """registry/repository, as attestations and write-back name the image."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_host(self) -> str:
        return _API_HOSTS.get(self.registry, self.registry)

    @property
    def reference(self) -> str:
        """What the manifests endpoint takes: the digest when pinned, else the tag."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, self.tag, digest)

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.registry, self.repository, tag, "")

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(text: str) -> Reference:
    """Raise ValueError naming what is wrong with `text`."""
    raw = text.strip()
    rest, _, digest = raw.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ValueError(f"{text!r}: digest {digest!r} is not sha256:<64 lowercase hex digits>")
    head, slash, last = rest.rpartition("/")
    last, _, tag = last.partition(":")
    if tag and not _TAG.fullmatch(tag):
        raise ValueError(f"{text!r}: tag {tag!r} is not a valid tag")
    path = f"{head}{slash}{last}"
    first, _, remainder = path.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
    else:
        registry, repository = DOCKER_HUB, path
        if "/" not in repository:
            repository = f"library/{repository}"
    if not _REPOSITORY.fullmatch(repository):
        raise ValueError(f"{text!r}: repository {repository!r} is not a valid repository name")
    return Reference(registry, repository, tag, digest)
