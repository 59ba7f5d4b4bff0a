"""Promotion as a Git commit (or a pull request): read the release a stage runs, write it into
the next stage's files, commit with a message that says what moved and who approved it, and
push, redoing the edit on the new head when another push got there first.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from seaway.model.pipeline import Pipeline, PullRequestSettings, Stage
from seaway.promote.pullrequest import PullRequest, open_pull_request
from seaway.promote.release import Release, plan_release, read_release
from seaway.promote.writeback.errors import BadInputError, YamlFileError
from seaway.promote.writeback.plan import join
from seaway.promote.writeback.repo import (
    Author,
    Edited,
    GitTarget,
    edit_and_push,
    read_files,
)
from seaway.source.credentials import Credentials

RELEASE_TRAILER = "Seaway-Release"
APPROVED_TRAILER = "Approved-by"


def stage_files(root: Path, stage: Stage, config: Sequence[str] = ()) -> dict[str, str]:
    """The files of a stage's folder in a checkout, with the config files (of any type)."""
    files = read_files(root, stage.folder)
    for name in config:
        path = join(stage.folder, name)
        file = root / path
        if path not in files and file.is_file() and not file.is_symlink():
            try:
                files[path] = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise YamlFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return files


def where(pipeline: Pipeline, stage: Stage) -> str:
    folder = "" if stage.folder == "." else stage.folder
    return f"{pipeline.spec.branch_of(stage)}:{folder}/"


def release_in(root: Path, pipeline: Pipeline, stage: Stage, rules: Stage | None = None) -> Release:
    """The release a stage runs, read from a checkout of its branch; `rules` (the stage the
    release goes to) says which images and files make it."""
    if not (root / stage.folder).is_dir():
        raise BadInputError(f"stage {stage.name}: {where(pipeline, stage)} is not a folder")
    config = (rules or stage).files
    return read_release(stage_files(root, stage, config), stage, where(pipeline, stage), rules)


@dataclass(frozen=True)
class PromotionRequest:
    pipeline: Pipeline
    source: Stage
    target: Stage
    release: Release
    url: str
    author: Author
    approvers: tuple[str, ...] = ()
    # The commit of the source stage the release was read at, for the record.
    source_revision: str = ""
    credentials: Credentials | None = None
    attempts: int = 5
    backoff: float = 0.5
    # With settings and a token, a pull request is opened instead of a push to the branch.
    pull_request: PullRequestSettings | None = None
    token: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class PromotionOutcome:
    message: str
    commit: str | None
    attempts: int
    files: tuple[str, ...]
    branch: str
    pull_request: PullRequest | None = None

    @property
    def changed(self) -> bool:
        return self.commit is not None


def commit_message(request: PromotionRequest, summary: Sequence[str]) -> str:
    release = request.release
    title = (
        f"promote {request.pipeline.name} {release.label} "
        f"{request.source.name} -> {request.target.name}"
    )
    body = [title, ""]
    body += [f"  {line}" for line in summary]
    body += ["", "images:"] + [f"  {image}" for image in release.images]
    if release.files:
        body += ["files:"] + [f"  {name}" for name, _ in release.files]
    trailers = [f"{RELEASE_TRAILER}: {release.key}"]
    if request.source_revision:
        trailers.append(f"Seaway-From: {request.source.name}@{request.source_revision}")
    trailers += [f"{APPROVED_TRAILER}: {name}" for name in request.approvers]
    return "\n".join([*body, "", *trailers]) + "\n"


def _pr_branch(request: PromotionRequest) -> str:
    return posixpath.join(
        "seaway",
        f"promote-{request.pipeline.name}-{request.target.name}-{request.release.key[:12]}",
    )


def promote(
    request: PromotionRequest, *, before_push: Callable[[int], None] | None = None
) -> PromotionOutcome:
    """Write the release into the target stage and push (or open a pull request)."""
    pipeline, target = request.pipeline, request.target

    def edit(work: Path) -> Edited[tuple[str, ...]]:
        if not (work / target.folder).is_dir():
            raise BadInputError(f"stage {target.name}: {where(pipeline, target)} is not a folder")
        planned = plan_release(
            stage_files(work, target, target.files),
            request.release,
            target,
            where(pipeline, target),
        )
        return Edited(planned.changes, commit_message(request, planned.summary), planned.summary)

    git = GitTarget(
        request.url,
        pipeline.spec.branch_of(target),
        request.author,
        request.credentials,
        request.attempts,
        request.backoff,
    )
    settings = request.pull_request
    if settings is not None and not request.token:
        raise BadInputError(
            f"pipeline {pipeline.name} opens pull requests ({settings.provider.value}) but no "
            "token is set (SEAWAY_PR_TOKEN)"
        )
    push_to = _pr_branch(request) if settings is not None else None
    pushed = edit_and_push(
        git, edit, dry_run=request.dry_run, before_push=before_push, push_to=push_to
    )
    files = tuple(change.path for change in pushed.edited.changes)
    outcome = PromotionOutcome(
        pushed.edited.message, pushed.commit, pushed.attempts, files, pushed.branch
    )
    if settings is None or pushed.commit is None or request.token is None:
        return outcome
    title, _, body = pushed.edited.message.partition("\n")
    opened = open_pull_request(
        settings,
        request.token,
        head=pushed.branch,
        base=git.branch,
        title=title,
        body=body.strip(),
    )
    return PromotionOutcome(
        outcome.message, outcome.commit, outcome.attempts, files, pushed.branch, opened
    )
