"""One bare mirror per repo URL, shared by every application that uses the repo.

A poll is one `git ls-remote` (no fetch); a fetch happens only when the resolved commit is not in
the mirror yet, and a checkout is extracted once per commit into a read-only folder that every
later render of that commit reuses. A lock file per repo (fcntl) makes this safe for threads and
for processes that share the cache folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import stat
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from seaway.source.credentials import Credentials, redact_url
from seaway.source.errors import GitError, RevisionNotFoundError, SourceError
from seaway.source.git import DEFAULT_TIMEOUT, run_git

FULL_SHA_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHORT_SHA_RE = re.compile(r"^[0-9a-fA-F]{4,39}$")
# Characters that git forbids in ref names (git check-ref-format); ls-remote would read some of
# them as patterns.
_BAD_REF_RE = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|^-")
_LISTED = 20


def default_root() -> Path:
    override = os.environ.get("SEAWAY_REPO_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "seaway" / "repos"


def normalize_url(url: str) -> str:
    """The form of a repo URL under which its mirror is shared (case of host, .git, slash)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        host = (parts.hostname or "").lower()
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        if parts.username:
            host = f"{parts.username}@{host}"
        path = parts.path.rstrip("/").removesuffix(".git")
        return f"{parts.scheme.lower()}://{host}{path}"
    return url.rstrip("/").removesuffix(".git")


def repo_key(url: str) -> str:
    normalized = normalize_url(url)
    digest = hashlib.sha256(normalized.encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", normalized.rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    return f"{name[:40] or 'repo'}-{digest}"


@dataclass(frozen=True)
class Refs:
    """The refs a remote advertises: branch and tag names to commit SHAs (tags peeled)."""

    head_branch: str | None = None
    head_sha: str | None = None
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)


def parse_ls_remote(output: str) -> Refs:
    head_branch: str | None = None
    head_sha: str | None = None
    branches: dict[str, str] = {}
    tags: dict[str, str] = {}
    others: dict[str, str] = {}
    peeled: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("ref: "):
            target, _, name = line[len("ref: ") :].partition("\t")
            if name == "HEAD":
                head_branch = target.removeprefix("refs/heads/")
            continue
        sha, _, name = line.partition("\t")
        if not name:
            continue
        if name == "HEAD":
            head_sha = sha
        elif name.startswith("refs/tags/") and name.endswith("^{}"):
            peeled[name[len("refs/tags/") : -3]] = sha
        elif name.startswith("refs/heads/"):
            branches[name[len("refs/heads/") :]] = sha
        elif name.startswith("refs/tags/"):
            tags[name[len("refs/tags/") :]] = sha
        else:
            others[name] = sha
    # An annotated tag points at a tag object; what gets deployed is the commit it names.
    tags.update({name: sha for name, sha in peeled.items() if name in tags})
    return Refs(head_branch, head_sha, branches, tags, others)


def _names(kind: str, names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:_LISTED])
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return f"{kind}: {shown}{more}"


def _make_writable(path: Path) -> None:
    for root, dirs, _files in os.walk(path):
        os.chmod(root, 0o700)
        for name in dirs:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, 0o700)


def _make_read_only(path: Path) -> None:
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            full = os.path.join(root, name)
            if os.path.islink(full):
                continue
            mode = os.stat(full).st_mode
            os.chmod(full, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        for name in dirs:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, 0o500)
    os.chmod(path, 0o500)


def _remove_tree(path: Path) -> None:
    if path.exists():
        _make_writable(path)
        shutil.rmtree(path)


def out_of_bounds_symlinks(tree: Path) -> list[str]:
    """Symlinks in the tree whose target lies outside it, as paths relative to the tree."""
    root = tree.resolve()
    found = []
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames + filenames:
            full = Path(dirpath, name)
            if not full.is_symlink():
                continue
            target = (full.parent / os.readlink(full)).resolve()
            if target != root and root not in target.parents:
                found.append(str(full.relative_to(tree)))
    return sorted(found)


class RepoCache:
    """Bare mirrors and read-only checkouts of Git repos under one root folder."""

    def __init__(self, root: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.root = (root or default_root()).absolute()
        self.timeout = timeout
        self._counter_lock = threading.Lock()
        self._fetches = 0

    # -- where things live

    def mirror_path(self, url: str) -> Path:
        return self.root / "mirrors" / f"{repo_key(url)}.git"

    def checkout_path(self, url: str, sha: str) -> Path:
        return self.root / "trees" / repo_key(url) / sha.lower()

    @property
    def fetch_count(self) -> int:
        """How many fetches this cache ran since it was made (for metrics and tests)."""
        with self._counter_lock:
            return self._fetches

    @contextlib.contextmanager
    def locked(self, url: str) -> Iterator[None]:
        """Hold the repo's lock: one open file description per holder, so threads exclude too."""
        path = self.root / "locks" / f"{repo_key(url)}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- asking the remote, no fetch

    def list_refs(
        self, url: str, credentials: Credentials | None = None, patterns: tuple[str, ...] = ()
    ) -> Refs:
        """The remote's refs (all of them, or those matching ls-remote's tail patterns)."""
        args = ["ls-remote", "--symref", "--", url, *patterns]
        out = run_git(args, url=url, credentials=credentials, timeout=self.timeout)
        return parse_ls_remote(out)

    def ls_remote(self, url: str, revision: str, credentials: Credentials | None = None) -> str:
        """The commit a branch, tag, full ref or HEAD names now, asked of the remote alone.

        A full SHA is returned as it is, without asking: it cannot move. A short SHA cannot be
        answered by ls-remote; `resolve` looks it up in the mirror.
        """
        rev = _check_revision(revision)
        if FULL_SHA_RE.match(rev):
            return rev.lower()
        if rev == "HEAD":
            refs = self.list_refs(url, credentials, ("HEAD",))
            if refs.head_sha is None:
                raise RevisionNotFoundError(
                    f"{redact_url(url)} has no default branch (HEAD); is the repo empty?"
                )
            return refs.head_sha
        refs = self.list_refs(url, credentials, (rev, f"{rev}^{{}}"))
        found = _match(refs, rev)
        if found is not None:
            return found
        raise self._not_found(url, rev, credentials)

    def resolve(self, url: str, revision: str, credentials: Credentials | None = None) -> str:
        """The full commit SHA of a branch, tag, full or short SHA, or HEAD/empty."""
        rev = _check_revision(revision)
        if SHORT_SHA_RE.match(rev) and not FULL_SHA_RE.match(rev):
            # A short hex string may still be a branch or tag name; refs win, as in git.
            refs = self.list_refs(url, credentials, (rev, f"{rev}^{{}}"))
            found = _match(refs, rev)
            if found is not None:
                return found
            return self._resolve_short_sha(url, rev, credentials)
        return self.ls_remote(url, rev, credentials)

    # -- the mirror

    def has_commit(self, url: str, sha: str) -> bool:
        mirror = self.mirror_path(url)
        if not (mirror / "HEAD").is_file():
            return False
        try:
            run_git(
                ["cat-file", "-e", f"{sha}^{{commit}}"],
                url=url,
                git_dir=mirror,
                timeout=self.timeout,
            )
        except GitError:
            return False
        return True

    def fetch(
        self, url: str, credentials: Credentials | None = None, sha: str | None = None
    ) -> None:
        """Fetch every branch and tag into the mirror now (and `sha`, if no ref has it)."""
        with self.locked(url):
            self._fetch_locked(url, credentials, sha)

    def ensure(self, url: str, sha: str, credentials: Credentials | None = None) -> bool:
        """Make the commit present in the mirror, fetching only if it is not; True if fetched."""
        if self.has_commit(url, sha):
            return False
        with self.locked(url):
            # Another thread or process may have fetched it while we waited for the lock.
            if self.has_commit(url, sha):
                return False
            self._fetch_locked(url, credentials, sha)
        if not self.has_commit(url, sha):
            raise RevisionNotFoundError(f"commit {sha} not found in {redact_url(url)}")
        return True

    def checkout(self, url: str, sha: str, credentials: Credentials | None = None) -> Path:
        """A read-only folder holding the files of the commit, made once and then reused."""
        if not FULL_SHA_RE.match(sha):
            raise ValueError(f"checkout needs a full commit SHA, not {sha!r}; resolve it first")
        dest = self.checkout_path(url, sha)
        if dest.is_dir():
            return dest
        self.ensure(url, sha, credentials)
        with self.locked(url):
            if dest.is_dir():
                return dest
            self._extract_locked(url, sha.lower(), dest)
        return dest

    def remove_checkout(self, url: str, sha: str) -> None:
        """Delete a commit's checkout (it is read-only, so plain rmtree would fail)."""
        with self.locked(url):
            _remove_tree(self.checkout_path(url, sha))

    # -- internals

    def _init_mirror(self, url: str) -> Path:
        mirror = self.mirror_path(url)
        if (mirror / "HEAD").is_file():
            return mirror
        mirror.parent.mkdir(parents=True, exist_ok=True)
        partial = mirror.with_name(f".{mirror.name}.{uuid.uuid4().hex}")
        run_git(["init", "--quiet", "--bare", str(partial)], url=url, timeout=self.timeout)
        # Auto-gc in the background would run after we release the lock.
        run_git(
            ["config", "gc.autoDetach", "false"], url=url, git_dir=partial, timeout=self.timeout
        )
        partial.rename(mirror)
        return mirror

    def _fetch_locked(self, url: str, credentials: Credentials | None, sha: str | None) -> None:
        mirror = self._init_mirror(url)
        with self._counter_lock:
            self._fetches += 1
        run_git(
            [
                "fetch",
                "--quiet",
                "--prune",
                "--no-tags",
                "--",
                url,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ],
            url=url,
            git_dir=mirror,
            credentials=credentials,
            timeout=self.timeout,
            what="git fetch",
        )
        if sha is None or not FULL_SHA_RE.match(sha) or self.has_commit(url, sha):
            return
        # A commit no branch or tag reaches any more (a force-pushed branch's old tip) can
        # still be asked for by SHA; a ref keeps it from being garbage-collected.
        with contextlib.suppress(GitError):
            run_git(
                ["fetch", "--quiet", "--no-tags", "--", url, f"+{sha}:refs/seaway/commits/{sha}"],
                url=url,
                git_dir=mirror,
                credentials=credentials,
                timeout=self.timeout,
                what="git fetch",
            )

    def _resolve_short_sha(self, url: str, rev: str, credentials: Credentials | None) -> str:
        for attempt in range(2):
            mirror = self.mirror_path(url)
            if (mirror / "HEAD").is_file():
                try:
                    out = run_git(
                        ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                        url=url,
                        git_dir=mirror,
                        timeout=self.timeout,
                    )
                    return out.strip()
                except GitError as exc:
                    if "ambiguous" in str(exc):
                        raise RevisionNotFoundError(
                            f"revision {rev!r} is an ambiguous short SHA in {redact_url(url)}; "
                            "give more of its digits"
                        ) from exc
            if attempt == 0:
                # Commits are immutable, so one fetch is enough to know the answer.
                self.fetch(url, credentials)
        raise self._not_found(url, rev, credentials)

    def _not_found(self, url: str, rev: str, credentials: Credentials | None) -> SourceError:
        try:
            refs = self.list_refs(url, credentials, ())
        except GitError as exc:
            return exc
        known = [_names("branches", list(refs.branches))]
        if refs.tags:
            known.append(_names("tags", list(refs.tags)))
        return RevisionNotFoundError(
            f"revision {rev!r} not found in {redact_url(url)} ({'; '.join(known)})"
        )

    def _extract_locked(self, url: str, sha: str, dest: Path) -> None:
        mirror = self.mirror_path(url)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{sha}.{uuid.uuid4().hex}")
        index = partial.with_name(partial.name + ".index")
        partial.mkdir()
        try:
            # A private index keeps the shared mirror untouched and needs no worktree entry.
            env = {"GIT_INDEX_FILE": str(index)}
            for args in (["read-tree", sha], ["checkout-index", "--all", "--force"]):
                run_git(
                    ["--work-tree", str(partial), *args],
                    url=url,
                    git_dir=mirror,
                    extra_env=env,
                    timeout=self.timeout,
                    what="git checkout",
                )
            escaping = out_of_bounds_symlinks(partial)
            if escaping:
                raise SourceError(
                    f"revision {sha} of {redact_url(url)} has symlinks that point outside the "
                    f"repo, which Seaway refuses to read: {', '.join(escaping[:_LISTED])}"
                )
            _make_read_only(partial)
            partial.rename(dest)
        except BaseException:
            _remove_tree(partial)
            raise
        finally:
            index.unlink(missing_ok=True)


def _check_revision(revision: str) -> str:
    rev = (revision or "").strip()
    if not rev:
        return "HEAD"
    if _BAD_REF_RE.search(rev):
        raise RevisionNotFoundError(f"revision {rev!r} is not a valid branch, tag or commit name")
    return rev


def _match(refs: Refs, rev: str) -> str | None:
    if rev.startswith("refs/"):
        name = rev
        for prefix, table in (("refs/heads/", refs.branches), ("refs/tags/", refs.tags)):
            if name.startswith(prefix) and name[len(prefix) :] in table:
                return table[name[len(prefix) :]]
        return refs.others.get(name)
    if rev in refs.branches:
        return refs.branches[rev]
    return refs.tags.get(rev)
