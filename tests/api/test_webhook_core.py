"""The webhook core: signatures, payloads of each provider, and which apps a push concerns."""

from __future__ import annotations

import pytest

from seaway.api.webhook.matching import concerns, moves, normalize_repo
from seaway.api.webhook.payload import (
    PayloadError,
    Provider,
    Push,
    parse_generic,
    parse_github,
    parse_gitlab,
)
from seaway.api.webhook.signature import body_signature, verify_hmac, verify_token


def test_hmac_signatures() -> None:
    body = b'{"ref": "refs/heads/main"}'
    good = body_signature(b"s3cret", body)
    assert good.startswith("sha256=")
    assert verify_hmac(b"s3cret", body, good)
    assert verify_hmac(b"s3cret", body, good.removeprefix("sha256="))
    assert not verify_hmac(b"other", body, good)
    assert not verify_hmac(b"s3cret", body + b" ", good)
    assert not verify_hmac(b"s3cret", body, None)
    assert not verify_hmac(b"s3cret", body, "")
    assert verify_token(b"tok", "tok")
    assert not verify_token(b"tok", "tok2")
    assert not verify_token(b"tok", None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/Org/Repo.git", "github.com/org/repo"),
        ("https://github.com/org/repo/", "github.com/org/repo"),
        ("git@github.com:org/repo.git", "github.com/org/repo"),
        ("ssh://git@github.com/org/repo", "github.com/org/repo"),
        ("ssh://git@github.com:22/org/repo.git", "github.com/org/repo"),
        ("https://user@gitlab.example/group/sub/repo.git", "gitlab.example/group/sub/repo"),
        ("file:///srv/git/env", "/srv/git/env"),
    ],
)
def test_repo_urls_are_compared_however_spelled(url: str, expected: str) -> None:
    assert normalize_repo(url) == expected


def test_github_and_gitlab_payloads() -> None:
    github = parse_github(
        {
            "ref": "refs/heads/main",
            "after": "abc",
            "repository": {
                "clone_url": "https://github.com/org/env.git",
                "ssh_url": "git@github.com:org/env.git",
                "default_branch": "main",
            },
        }
    )
    assert github == Push(
        Provider.GITHUB,
        ("https://github.com/org/env.git", "git@github.com:org/env.git"),
        "main",
        False,
        "main",
        "abc",
    )
    gitlab = parse_gitlab(
        {
            "ref": "refs/tags/v1",
            "project": {"git_http_url": "https://gitlab.com/g/env.git", "default_branch": "main"},
        }
    )
    assert (gitlab.ref, gitlab.is_tag) == ("v1", True)
    generic = parse_generic({"repoURL": "https://git.example/env", "branch": "prod"})
    assert generic.ref == "prod"
    with pytest.raises(PayloadError, match="repository"):
        parse_github({"ref": "refs/heads/main"})
    with pytest.raises(PayloadError, match="repoURL"):
        parse_generic({"branch": "main"})


def test_which_apps_a_push_concerns() -> None:
    push = Push(Provider.GITHUB, ("https://github.com/org/env.git",), "dev", False, "main")
    assert moves(push, "dev")
    assert moves(push, "refs/heads/dev")
    assert not moves(push, "prod")
    assert not moves(push, "HEAD")  # HEAD follows main, the default branch
    assert moves(Push(Provider.GENERIC, ("x",), "dev"), "HEAD")  # default unknown: refresh
    assert not moves(Push(Provider.GITHUB, ("x",), "v1", True), "v1.0")
    assert moves(Push(Provider.GITHUB, ("x",), "v1", True), "v1")
    assert concerns(push, [("git@github.com:org/env", "dev")])
    assert not concerns(push, [("https://github.com/org/other", "dev")])
    assert concerns(push, [("https://github.com/org/other", "dev"), ("github.com/org/env", "dev")])
