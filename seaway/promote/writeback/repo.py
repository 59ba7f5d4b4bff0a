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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seaway.promote.writeback.errors import BadInputError, PushFailedError, YamlFileError
from seaway.promote.writeback.plan import HelmTarget, Plan, plan_image
from seaway.promote.writeback.reference import ImageRef
from seaway.promote.writeback.yamledit import compose, find, scalar
from seaway.source.credentials import Credentials, redact_url
from seaway.source.errors import GitError
from seaway.source.git import run_git

log = logging.getLogger("seaway.promote.writeback")

DEFAULT_AUTHOR = ("Seaway", "seaway@localhost")
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "failed to update ref")
_KUSTOMIZE_REFS = ("resources", "bases", "components")


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


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    message: str
    commit: str | None
    attempts: int

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
    if request.attempts < 1:
        raise BadInputError("the number of push attempts must be at least 1")
    with tempfile.TemporaryDirectory(prefix="seaway-writeback-") as tmp:
        work = Path(tmp) / "repo"
        _git(
            request,
            [
                "clone",
                "--quiet",
                "--no-tags",
                "--single-branch",
                "--branch",
                request.branch,
                "--",
                request.url,
                str(work),
            ],
            cwd=Path(tmp),
            what=f"git clone of branch {request.branch}",
        )
        base = posixpath.normpath(request.path.strip("/") or ".")
        where = f"{request.branch}:{'' if base == '.' else base}/"
        attempt = 0
        while True:
            attempt += 1
            plan = plan_image(read_files(work, base), base, request.ref, where, request.helm)
            message = request.message or default_message(request, plan)
            if plan.nothing_to_do or request.dry_run:
                return Outcome(plan, message, None, attempt)
            for change in plan.changes:
                (work / change.path).write_text(change.new, encoding="utf-8", newline="")
            _git(request, ["add", "--", *(c.path for c in plan.changes)], cwd=work)
            _git(request, ["commit", "--quiet", "--no-verify", "-m", message], cwd=work)
            if before_push is not None:
                before_push(attempt)
            try:
                _git(
                    request,
                    ["push", "--quiet", "origin", f"HEAD:refs/heads/{request.branch}"],
                    cwd=work,
                    what=f"git push to branch {request.branch}",
                )
            except GitError as exc:
                if not any(word in str(exc) for word in _REJECTED):
                    raise
                if attempt >= request.attempts:
                    raise PushFailedError(
                        f"gave up pushing to branch {request.branch} of "
                        f"{redact_url(request.url)}: the branch moved on and the push was "
                        f"rejected {attempt} times (after {attempt} attempts)"
                    ) from exc
                log.info("branch %s moved on; re-applying on the new head", request.branch)
                time.sleep(request.backoff * 2 ** (attempt - 1))
                remote_ref = f"refs/remotes/origin/{request.branch}"
                _git(
                    request,
                    ["fetch", "--quiet", "origin", f"+refs/heads/{request.branch}:{remote_ref}"],
                    cwd=work,
                )
                _git(request, ["reset", "--quiet", "--hard", remote_ref], cwd=work)
                continue
            commit = _git(request, ["rev-parse", "HEAD"], cwd=work).strip()
            return Outcome(plan, message, commit, attempt)


def _git(request: WriteBack, args: list[str], *, cwd: Path, what: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": request.author.name,
        "GIT_AUTHOR_EMAIL": request.author.email,
        "GIT_COMMITTER_NAME": request.author.name,
        "GIT_COMMITTER_EMAIL": request.author.email,
    }
    return run_git(
        args, url=request.url, credentials=request.credentials, extra_env=env, cwd=cwd, what=what
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
