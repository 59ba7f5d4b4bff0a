"""RepoCache against real repos on disk (file:// URLs and plain paths)."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from seaway.source import GitError, RepoCache, RevisionNotFoundError, SourceError
from seaway.source.credentials import HttpsToken, SshKey, git_env, redact_url, scrub
from seaway.source.repo_cache import normalize_url, parse_ls_remote, repo_key
from tests.gitrepo import Upstream, git
from tests.source.conftest import configmap


@pytest.fixture
def envs(upstream: Upstream) -> dict[str, str]:
    """main, dev and prod branches and two tags (one annotated) with different content."""
    shas = {"main": upstream.commit({"app/cm.yaml": configmap("web", env="main")}, "first")}
    upstream.git("tag", "v1.0.0")
    upstream.git("tag", "-a", "v1.0.1", "-m", "annotated release")
    shas["dev"] = upstream.commit({"app/cm.yaml": configmap("web", env="dev")}, "dev", "dev")
    shas["prod"] = upstream.commit({"app/cm.yaml": configmap("web", env="prod")}, "prod", "prod")
    return shas


def test_resolves_branches_tags_head_and_shas(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    url = upstream.url
    assert cache.resolve(url, "main") == envs["main"]
    assert cache.resolve(url, "dev") == envs["dev"]
    assert cache.resolve(url, "prod") == envs["prod"]
    assert cache.resolve(url, "refs/heads/dev") == envs["dev"]
    assert cache.resolve(url, "HEAD") == envs["main"]
    assert cache.resolve(url, "") == envs["main"]
    assert cache.resolve(url, "v1.0.0") == envs["main"]
    # An annotated tag resolves to the commit it names, not to the tag object.
    assert cache.resolve(url, "v1.0.1") == envs["main"]
    assert cache.resolve(url, envs["dev"].upper()) == envs["dev"]
    # None of that needed a fetch: ls-remote answers branches, tags and full SHAs.
    assert cache.fetch_count == 0
    assert not cache.mirror_path(url).exists()


def test_short_sha_is_resolved_in_the_mirror(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    assert cache.resolve(upstream.url, envs["prod"][:8]) == envs["prod"]
    assert cache.fetch_count == 1
    # The mirror knows it now: no second fetch.
    assert cache.resolve(upstream.url, envs["prod"][:7]) == envs["prod"]
    assert cache.fetch_count == 1


def test_missing_revision_names_repo_and_branches(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    with pytest.raises(RevisionNotFoundError) as info:
        cache.resolve(upstream.url, "nope")
    assert str(info.value) == (
        f"revision 'nope' not found in {upstream.url} "
        "(branches: dev, main, prod; tags: v1.0.0, v1.0.1)"
    )
    with pytest.raises(RevisionNotFoundError, match="revision 'abcdef12' not found in file://"):
        cache.resolve(upstream.url, "abcdef12")
    with pytest.raises(RevisionNotFoundError, match="not a valid branch, tag or commit name"):
        cache.resolve(upstream.url, "main*")


def test_unreachable_repo_error_names_it(cache: RepoCache, tmp_path: Path) -> None:
    url = (tmp_path / "nowhere").as_uri()
    with pytest.raises(GitError, match=f"git ls-remote of {url} failed"):
        cache.ls_remote(url, "main")


def test_new_commit_is_seen_by_ls_remote_and_fetched_only_then(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    url = upstream.url
    first = cache.ls_remote(url, "main")
    tree = cache.checkout(url, first)
    assert cache.fetch_count == 1
    assert "main" in (tree / "app/cm.yaml").read_text()

    # Polling an unchanged branch: ls-remote only, no fetch, same checkout.
    assert cache.ls_remote(url, "main") == first
    assert cache.checkout(url, first) == tree
    assert cache.fetch_count == 1

    second = upstream.commit({"app/cm.yaml": configmap("web", env="next")}, "next")
    assert not cache.has_commit(url, second)
    assert cache.ls_remote(url, "main") == second
    assert cache.fetch_count == 1
    assert cache.ensure(url, second) is True
    assert cache.fetch_count == 2
    assert cache.has_commit(url, second)
    assert cache.ensure(url, second) is False
    assert cache.fetch_count == 2
    new_tree = cache.checkout(url, second)
    assert new_tree != tree
    assert "next" in (new_tree / "app/cm.yaml").read_text()
    assert "main" in (tree / "app/cm.yaml").read_text()
    # An old commit of a fetched repo needs no fetch either.
    assert cache.checkout(url, envs["prod"]).is_dir()
    assert cache.fetch_count == 2


def test_checkout_is_read_only_and_complete(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    sha = upstream.commit({"deep/a/b/c.yaml": configmap("c"), "run.sh": "#!/bin/sh\n"})
    (upstream.path / "run.sh").chmod(0o755)
    (upstream.path / "link.yaml").symlink_to("deep/a/b/c.yaml")
    upstream.git("add", "--all")
    upstream.git("commit", "--quiet", "-m", "exec and link")
    sha = upstream.git("rev-parse", "HEAD")
    tree = cache.checkout(upstream.url, sha)
    assert (tree / "deep/a/b/c.yaml").read_text() == configmap("c")
    assert (tree / "link.yaml").read_text() == configmap("c")
    assert (tree / "run.sh").stat().st_mode & stat.S_IXUSR
    assert not (tree / ".git").exists()
    for path in [tree, tree / "deep", tree / "deep/a/b/c.yaml", tree / "run.sh"]:
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), path
    # The checkout is shared: the path depends on repo and commit only.
    assert tree == cache.checkout(upstream.url + "/", sha)
    cache.remove_checkout(upstream.url, sha)
    assert not tree.exists()
    assert cache.checkout(upstream.url, sha).is_dir()


def test_checkout_refuses_symlinks_out_of_the_repo(cache: RepoCache, upstream: Upstream) -> None:
    upstream.commit({"a.yaml": configmap("a")})
    (upstream.path / "passwd.yaml").symlink_to("/etc/passwd")
    upstream.git("add", "--all")
    upstream.git("commit", "--quiet", "-m", "escape")
    sha = upstream.git("rev-parse", "HEAD")
    with pytest.raises(SourceError, match=r"symlinks that point outside the repo.*passwd\.yaml"):
        cache.checkout(upstream.url, sha)
    assert not cache.checkout_path(upstream.url, sha).exists()
    assert list(cache.checkout_path(upstream.url, sha).parent.iterdir()) == []


def test_checkout_of_unknown_commit(cache: RepoCache, upstream: Upstream) -> None:
    upstream.commit({"a.yaml": configmap("a")})
    missing = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(RevisionNotFoundError, match=f"commit {missing} not found in file://"):
        cache.checkout(upstream.url, missing)
    with pytest.raises(ValueError, match="full commit SHA"):
        cache.checkout(upstream.url, "main")


def test_commit_no_branch_reaches_is_fetched_by_sha(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    cache.checkout(upstream.url, envs["dev"])
    orphan = upstream.commit({"app/cm.yaml": configmap("web", env="gone")}, "gone", "gone")
    upstream.git("branch", "-D", "gone")
    tree = cache.checkout(upstream.url, orphan)
    assert "gone" in (tree / "app/cm.yaml").read_text()


def test_force_push_and_moved_tag_are_followed(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    url = upstream.url
    cache.checkout(url, cache.resolve(url, "dev"))
    upstream.git("checkout", "--quiet", "dev")
    upstream.git("reset", "--quiet", "--hard", envs["main"])
    upstream.git("checkout", "--quiet", "main")
    rewritten = upstream.commit({"x.yaml": configmap("x")}, "rewrite", "dev")
    upstream.git("tag", "--force", "v1.0.0", rewritten)
    assert cache.resolve(url, "dev") == rewritten
    assert cache.resolve(url, "v1.0.0") == rewritten
    cache.ensure(url, rewritten)
    mirror = cache.mirror_path(url)
    assert git(mirror, "rev-parse", "refs/heads/dev") == rewritten
    assert git(mirror, "rev-parse", "refs/tags/v1.0.0") == rewritten


def test_deleted_branch_is_pruned_from_the_mirror(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    cache.fetch(upstream.url)
    mirror = cache.mirror_path(upstream.url)
    assert "prod" in git(mirror, "branch", "--list")
    upstream.git("branch", "-D", "prod")
    cache.fetch(upstream.url)
    assert "prod" not in git(mirror, "branch", "--list")


def test_plain_path_and_bare_repo_urls(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str], tmp_path: Path
) -> None:
    bare = upstream.bare_copy(tmp_path / "bare.git")
    for url in (str(upstream.path), str(bare), bare.as_uri()):
        sha = cache.resolve(url, "prod")
        assert sha == envs["prod"]
        assert "prod" in (cache.checkout(url, sha) / "app/cm.yaml").read_text()


def test_concurrent_resolves_and_checkouts_fetch_once(
    cache: RepoCache, upstream: Upstream, envs: dict[str, str]
) -> None:
    url = upstream.url
    results: list[tuple[str, Path]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(revision: str) -> None:
        try:
            barrier.wait()
            sha = cache.resolve(url, revision)
            results.append((sha, cache.checkout(url, sha)))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(rev,)) for rev in ["dev", "prod", "main", "v1.0.1"] * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == 8
    assert {sha for sha, _ in results} == {envs["dev"], envs["prod"], envs["main"]}
    # One fetch brings every branch; the others waited on the lock and found their commit.
    assert cache.fetch_count == 1
    for sha, tree in results:
        assert tree == cache.checkout_path(url, sha)
    # Two caches on one folder (two processes, say) share mirror and checkouts.
    other = RepoCache(cache.root)
    assert other.checkout(url, envs["dev"]) == cache.checkout_path(url, envs["dev"])
    assert other.fetch_count == 0


def test_parse_ls_remote_peels_annotated_tags() -> None:
    refs = parse_ls_remote(
        "ref: refs/heads/trunk\tHEAD\n"
        "aaa\tHEAD\n"
        "aaa\trefs/heads/trunk\n"
        "bbb\trefs/tags/v1\n"
        "ccc\trefs/tags/v1^{}\n"
        "ddd\trefs/pull/1/head\n"
    )
    assert refs.head_branch == "trunk"
    assert refs.head_sha == "aaa"
    assert refs.branches == {"trunk": "aaa"}
    assert refs.tags == {"v1": "ccc"}
    assert refs.others == {"refs/pull/1/head": "ddd"}


def test_url_forms_share_one_mirror() -> None:
    assert normalize_url("https://GitHub.com/org/repo.git/") == "https://github.com/org/repo"
    assert repo_key("https://github.com/org/repo") == repo_key("https://github.com/org/repo.git")
    assert repo_key("https://github.com/org/repo") != repo_key("https://github.com/org/other")
    assert repo_key("/srv/git/app.git").startswith("app-")


def test_credentials_never_reach_argv_and_are_scrubbed() -> None:
    token = HttpsToken("s3cr3t-token")
    env = git_env(token)
    header = env["GIT_CONFIG_VALUE_1"]
    assert env["GIT_CONFIG_KEY_1"] == "http.extraHeader"
    assert header.startswith("Authorization: Basic ")
    assert "s3cr3t-token" not in repr(token)
    encoded = header.removeprefix("Authorization: Basic ")
    message = f"failed with s3cr3t-token and {encoded} at https://u:pw@host/r.git"
    assert scrub(message, token.secrets()) == "failed with *** and *** at https://***@host/r.git"
    assert redact_url("https://user:pw@host:8443/r.git") == "https://user:***@host:8443/r.git"

    key = SshKey(Path("/keys/id ed25519"), known_hosts_file=Path("/keys/known_hosts"))
    command = git_env(key)["GIT_SSH_COMMAND"]
    assert "-i '/keys/id ed25519'" in command
    assert "StrictHostKeyChecking=yes" in command
    assert "UserKnownHostsFile=/keys/known_hosts" in command
    assert "BatchMode=yes" in command
