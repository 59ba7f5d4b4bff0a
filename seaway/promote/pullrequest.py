"""Opening a pull request (GitHub) or merge request (GitLab) for a promotion branch, through
their REST APIs: one POST each, the token in a header, never in a URL or an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from seaway.model.pipeline import PullRequestProvider, PullRequestSettings
from seaway.promote.writeback.errors import WriteBackError

TIMEOUT = 30.0


class PullRequestError(WriteBackError):
    """The API refused or could not be reached; the branch was pushed all the same."""


@dataclass(frozen=True)
class PullRequest:
    url: str
    number: int
    branch: str


def _request(
    settings: PullRequestSettings, token: str, *, head: str, base: str, title: str, body: str
) -> tuple[str, dict[str, str], dict[str, Any]]:
    api = settings.api_url.rstrip("/")
    if settings.provider is PullRequestProvider.GITHUB:
        return (
            f"{api}/repos/{settings.repository}/pulls",
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            {"title": title, "head": head, "base": base, "body": body},
        )
    return (
        f"{api}/projects/{quote(settings.repository, safe='')}/merge_requests",
        {"PRIVATE-TOKEN": token},
        {"title": title, "source_branch": head, "target_branch": base, "description": body},
    )


def open_pull_request(
    settings: PullRequestSettings, token: str, *, head: str, base: str, title: str, body: str
) -> PullRequest:
    url, headers, payload = _request(settings, token, head=head, base=base, title=title, body=body)
    what = "pull request" if settings.provider is PullRequestProvider.GITHUB else "merge request"
    try:
        response = httpx2.post(url, json=payload, headers=headers, timeout=TIMEOUT)
    except httpx2.HTTPError as exc:
        raise PullRequestError(
            f"cannot open the {what} for branch {head}: {settings.api_url} is unreachable "
            f"({type(exc).__name__}); the branch is pushed"
        ) from None
    if response.status_code >= 300:
        try:
            detail = response.json().get("message") or response.text
        except ValueError:
            detail = response.text
        raise PullRequestError(
            f"{settings.provider.value} refused the {what} for branch {head} -> {base}: "
            f"HTTP {response.status_code}: {str(detail)[:300]}; the branch is pushed"
        )
    data = response.json()
    number = data.get("number", data.get("iid", 0))
    link = data.get("html_url") or data.get("web_url") or ""
    return PullRequest(str(link), int(number), head)
