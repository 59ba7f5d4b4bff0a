"""Image write-back through Git: clone, edit, commit, push, and retry on a concurrent push.

Everything happens in a temporary clone, never in a user's work tree. When the push is rejected
because the branch moved, the edit is made again on the new head (the file is re-read there)
rather than rebased, so a concurrent change to the same file can never leave a conflict behind.
"""

from __future__ import annotations

import logging
import os
import posixpath
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from seaway.promote.writeback.errors import BadInputError, PushFailedError, YamlFileError
from seaway.promote.writeback.plan import FileChange, HelmTarget, Plan, plan_image
from seaway.promote.writeback.reference import ImageRef
from seaway.promote.writeback.yamledit import compose, find, scalar
from seaway.source.credentials import Credentials, redact_url
from seaway.source.errors import GitError
from seaway.source.git import run_git

log = logging.getLogger("seaway.promote.writeback")

DEFAULT_AUTHOR = ("Seaway", "seaway@localhost")
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "failed to update ref")
_KUSTOMIZE_REFS = ("resources", "bases", "components")
R = TypeVar("R")


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class WriteBack:
    """One request: set `ref` under `path` of `branch` in the repo at `url`."""

    url: str
    branch: str
    path: str
    ref: ImageRef
    author: Author
    helm: HelmTarget | None = None
    message: str | None = None
    credentials: Credentials | None = None
    dry_run: bool = False
    attempts: int = 5
    backoff: float = 0.5
    # Push to this new branch instead (a pull request's head); never retried.
    push_to: str | None = None


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    message: str
    commit: str | None
    attempts: int
    # Where the commit went: the branch, or `push_to`.
    branch: str = ""

    @property
    def changed(self) -> bool:
        return self.commit is not None


def default_message(request: WriteBack, plan: Plan) -> str:
    files = ", ".join(change.path for change in plan.changes)
    return (
        f"seaway: set {request.ref.short_name} image to {request.ref} in {request.branch} ({files})"
    )


def write_back(request: WriteBack, *, before_push: Callable[[int], None] | None = None) -> Outcome:
    """Make the edit and push it; `before_push(attempt)` runs just before each push (tests)."""
    base = posixpath.normpath(request.path.strip("/") or ".")
    where = f"{request.branch}:{'' if base == '.' else base}/"

    def edit(work: Path) -> Edited[Plan]:
        plan = plan_image(read_files(work, base), base, request.ref, where, request.helm)
        message = request.message or default_message(request, plan)
        return Edited(plan.changes, message, plan)

    target = GitTarget(
        request.url,
        request.branch,
        request.author,
        request.credentials,
        request.attempts,
        request.backoff,
    )
    pushed = edit_and_push(
        target,
        edit,
        dry_run=request.dry_run,
        before_push=before_push,
        push_to=request.push_to,
    )
    return Outcome(
        pushed.edited.result,
        pushed.edited.message,
        pushed.commit,
        pushed.attempts,
        pushed.branch,
    )


@dataclass(frozen=True)
class GitTarget:
    """Where edits are committed: a branch of a repo, by an author, with a retry budget."""

    url: str
    branch: str
    author: Author
    credentials: Credentials | None = None
    attempts: int = 5
    backoff: float = 0.5


@dataclass(frozen=True)
class Edited(Generic[R]):
    """What an edit made of a clone: the changed files, the commit message, and its own result."""

    changes: Sequence[FileChange]
    message: str
    result: R


@dataclass(frozen=True)
class Pushed(Generic[R]):
    edited: Edited[R]
    commit: str | None
    attempts: int
    branch: str


def edit_and_push(
    target: GitTarget,
    edit: Callable[[Path], Edited[R]],
    *,
    dry_run: bool = False,
    before_push: Callable[[int], None] | None = None,
    push_to: str | None = None,
) -> Pushed[R]:
    """Clone the branch, let `edit` change the clone, commit and push; when the branch moved on,
    run `edit` again on the new head. `push_to` pushes to another (new) branch instead, as for
    a pull request; that push is never retried, since nobody else writes there."""
    if target.attempts < 1:
        raise BadInputError("the number of push attempts must be at least 1")
    with tempfile.TemporaryDirectory(prefix="seaway-writeback-") as tmp:
        work = Path(tmp) / "repo"
        clone = ["clone", "--quiet", "--no-tags", "--single-branch", "--branch", target.branch]
        _git(
            target,
            [*clone, "--", target.url, str(work)],
            cwd=Path(tmp),
            what=f"git clone of branch {target.branch}",
        )
        destination = push_to or target.branch
        attempt = 0
        while True:
            attempt += 1
            edited = edit(work)
            if not edited.changes or dry_run:
                return Pushed(edited, None, attempt, destination)
            for change in edited.changes:
                file = work / change.path
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(change.new, encoding="utf-8", newline="")
            _git(target, ["add", "--", *(c.path for c in edited.changes)], cwd=work)
            _git(target, ["commit", "--quiet", "--no-verify", "-m", edited.message], cwd=work)
            if before_push is not None:
                before_push(attempt)
            try:
                _git(
                    target,
                    ["push", "--quiet", "origin", f"HEAD:refs/heads/{destination}"],
                    cwd=work,
                    what=f"git push to branch {destination}",
                )
            except GitError as exc:
                if push_to is not None or not any(word in str(exc) for word in _REJECTED):
                    raise
                if attempt >= target.attempts:
                    raise PushFailedError(
                        f"gave up pushing to branch {target.branch} of "
                        f"{redact_url(target.url)}: the branch moved on and the push was "
                        f"rejected {attempt} times (after {attempt} attempts)"
                    ) from exc
                log.info("branch %s moved on; re-applying on the new head", target.branch)
                time.sleep(target.backoff * 2 ** (attempt - 1))
                remote_ref = f"refs/remotes/origin/{target.branch}"
                _git(
                    target,
                    ["fetch", "--quiet", "origin", f"+refs/heads/{target.branch}:{remote_ref}"],
                    cwd=work,
                )
                _git(target, ["reset", "--quiet", "--hard", remote_ref], cwd=work)
                continue
            commit = _git(target, ["rev-parse", "HEAD"], cwd=work).strip()
            return Pushed(edited, commit, attempt, destination)


def _git(target: GitTarget, args: list[str], *, cwd: Path, what: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": target.author.name,
        "GIT_AUTHOR_EMAIL": target.author.email,
        "GIT_COMMITTER_NAME": target.author.name,
        "GIT_COMMITTER_EMAIL": target.author.email,
    }
    return run_git(
        args, url=target.url, credentials=target.credentials, extra_env=env, cwd=cwd, what=what
    )


def read_files(root: Path, base: str) -> dict[str, str]:
    """The YAML files under `base`, and those the kustomizations there take in from elsewhere."""
    root = root.resolve()
    start = (root / base).resolve()
    if not start.is_relative_to(root) or not start.is_dir():
        raise BadInputError(f"the path {base} is not a folder of the environment repo")
    files: dict[str, str] = {}
    pending = [start]
    visited: set[Path] = set()
    while pending:
        folder = pending.pop()
        if folder in visited:
            continue
        visited.add(folder)
        for file in sorted(folder.rglob("*")):
            if file.suffix not in {".yaml", ".yml"} and file.name != "Kustomization":
                continue
            # A symlink could lead the edit to a file outside the clone; such files are skipped.
            if not file.is_file() or not file.resolve().is_relative_to(root):
                continue
            rel = file.relative_to(root).as_posix()
            if ".git" in rel.split("/") or file.is_symlink():
                continue
            try:
                # Bytes decoded as they are, so CRLF line ends survive the round trip.
                files[rel] = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise YamlFileError(f"{rel}: not UTF-8 text ({exc.reason})") from exc
            if file.name.startswith("kustomization.") or file.name == "Kustomization":
                pending += _kustomize_folders(root, file, rel, files[rel])
    return files


def _kustomize_folders(root: Path, file: Path, rel: str, text: str) -> list[Path]:
    docs = compose(text, rel)
    folders: list[Path] = []
    for key in _KUSTOMIZE_REFS:
        entries = find(docs[0] if docs else None, (key,))
        for entry in getattr(entries, "value", None) or []:
            value = scalar(entry)
            if not value or "://" in value or value.startswith(("github.com/", "git@")):
                continue
            target = (file.parent / value).resolve()
            if target.is_relative_to(root) and target.is_dir():
                folders.append(target)
    return folders


def author_from_env(spec: str | None = None) -> Author:
    """`Name <email>` if given, else GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, else Seaway's own."""
    if spec:
        name, sep, rest = spec.partition("<")
        if not sep or not rest.rstrip().endswith(">") or not name.strip():
            raise BadInputError(f"--author {spec!r} is not of the form 'Name <email>'")
        return Author(name.strip(), rest.rstrip()[:-1].strip())
    return Author(
        os.environ.get("GIT_AUTHOR_NAME") or DEFAULT_AUTHOR[0],
        os.environ.get("GIT_AUTHOR_EMAIL") or DEFAULT_AUTHOR[1],
    )
