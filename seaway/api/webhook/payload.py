"""Push events as GitHub, GitLab and a generic sender describe them, read into one shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"


class Provider(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    GENERIC = "generic"


class PayloadError(ValueError):
    """A payload that is not a push we can read; the message names the missing field."""


@dataclass(frozen=True)
class Push:
    provider: Provider
    # Every URL the sender gives for the repo (https, ssh, web): an app may use any of them.
    repo_urls: tuple[str, ...]
    # The branch or tag pushed, without refs/heads/ or refs/tags/.
    ref: str
    is_tag: bool = False
    default_branch: str = ""
    revision: str = ""


def _field(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            raise PayloadError(f"the payload has no {path}")
        current = current[part]
    return current


def _ref(raw: object) -> tuple[str, bool]:
    ref = str(raw or "")
    if ref.startswith(BRANCH_PREFIX):
        return ref[len(BRANCH_PREFIX) :], False
    if ref.startswith(TAG_PREFIX):
        return ref[len(TAG_PREFIX) :], True
    if not ref:
        raise PayloadError("the payload's ref is empty")
    return ref, False


def _urls(repo: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    urls = tuple(str(repo[k]) for k in keys if isinstance(repo.get(k), str) and repo[k])
    if not urls:
        raise PayloadError(f"the payload names no repository URL ({', '.join(keys)})")
    return urls


def parse_github(data: Mapping[str, Any]) -> Push:
    repo = _field(data, "repository")
    ref, is_tag = _ref(_field(data, "ref"))
    return Push(
        Provider.GITHUB,
        _urls(repo, ("clone_url", "ssh_url", "html_url", "git_url", "url")),
        ref,
        is_tag,
        str(repo.get("default_branch") or ""),
        str(data.get("after") or ""),
    )


def parse_gitlab(data: Mapping[str, Any]) -> Push:
    project = _field(data, "project")
    ref, is_tag = _ref(_field(data, "ref"))
    return Push(
        Provider.GITLAB,
        _urls(project, ("git_http_url", "git_ssh_url", "web_url", "http_url", "url")),
        ref,
        is_tag,
        str(project.get("default_branch") or ""),
        str(data.get("checkout_sha") or data.get("after") or ""),
    )


def parse_generic(data: Mapping[str, Any]) -> Push:
    """`{"repoURL": "...", "ref": "refs/heads/main" | "branch": "main", "revision": "<sha>"}`"""
    url = data.get("repoURL")
    if not isinstance(url, str) or not url:
        raise PayloadError("the payload has no repoURL")
    raw_ref = data.get("ref") or (BRANCH_PREFIX + str(data["branch"]) if data.get("branch") else "")
    ref, is_tag = _ref(raw_ref) if raw_ref else ("", False)
    return Push(
        Provider.GENERIC,
        (url,),
        ref,
        is_tag,
        str(data.get("defaultBranch") or ""),
        str(data.get("revision") or ""),
    )
