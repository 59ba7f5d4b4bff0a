"""Which apps a push concerns: same repository (however its URL is spelled) and a target
revision the push moves. An app that follows HEAD is refreshed by a push to the default
branch, or by any branch push when the sender does not say which branch is the default."""

from __future__ import annotations

import re
from collections.abc import Iterable

from seaway.api.webhook.payload import BRANCH_PREFIX, TAG_PREFIX, Push

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_FOLLOWS_HEAD = frozenset({"", "HEAD"})


def normalize_repo(url: str) -> str:
    """`host/path`, lower case, without scheme, user, port of ssh, `.git` or a trailing slash:
    https://github.com/Org/Repo.git, git@github.com:org/repo and ssh://git@github.com/org/repo
    are one repo."""
    text = url.strip()
    if not _SCHEME.match(text):
        scp = _SCP_LIKE.match(text)
        if scp:
            text = f"{scp.group(1)}/{scp.group(2)}"
    else:
        text = _SCHEME.sub("", text)
        text = text.split("@", 1)[1] if "@" in text.split("/", 1)[0] else text
    host, _, path = text.partition("/")
    if host.endswith(":22"):
        host = host[:-3]
    path = path.rstrip("/")
    path = path.removesuffix(".git")
    return f"{host}/{path}".lower().rstrip("/")


def same_repo(push: Push, repo_url: str) -> bool:
    wanted = normalize_repo(repo_url)
    return any(normalize_repo(url) == wanted for url in push.repo_urls)


def moves(push: Push, target_revision: str) -> bool:
    """Whether the push can change what `target_revision` resolves to."""
    target = target_revision.strip()
    if target in _FOLLOWS_HEAD:
        return not push.is_tag and (not push.default_branch or push.ref == push.default_branch)
    if not push.ref:
        return True
    prefix = TAG_PREFIX if push.is_tag else BRANCH_PREFIX
    return target in (push.ref, prefix + push.ref)


def concerns(push: Push, sources: Iterable[tuple[str, str]]) -> bool:
    """`sources` are an app's (repoURL, targetRevision) pairs."""
    return any(same_repo(push, url) and moves(push, rev) for url, rev in sources)
