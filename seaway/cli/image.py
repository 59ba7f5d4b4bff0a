"""`seaway image set`: CI writes a new image tag or digest into the environment repo.

Exit codes are the contract with the pipeline: 0 done (or nothing to do), 1 the push failed even
after retries (or git failed), 2 the input was bad and nothing was changed.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from seaway.model import Application, ManifestError, load_documents
from seaway.model.pipeline import PullRequestSettings
from seaway.promote.pullrequest import open_pull_request
from seaway.promote.writeback import (
    BadInputError,
    HelmTarget,
    ImageRef,
    Outcome,
    WriteBack,
    WriteBackError,
    author_from_env,
    parse_image_ref,
    write_back,
)
from seaway.source import Credentials, HttpsToken, RepoCache, SourceError, SshKey
from seaway.source.credentials import redact_url

DONE_EXIT = 0
FAILED_EXIT = 1
BAD_INPUT_EXIT = 2

# Credentials come from the environment only, so a token never sits in argv or shell history.
TOKEN_ENV = "SEAWAY_GIT_TOKEN"  # noqa: S105 - the variable's name, not a token
USERNAME_ENV = "SEAWAY_GIT_USERNAME"
SSH_KEY_ENV = "SEAWAY_GIT_SSH_KEY"
KNOWN_HOSTS_ENV = "SEAWAY_GIT_KNOWN_HOSTS"
PR_TOKEN_ENV = "SEAWAY_PR_TOKEN"  # noqa: S105 - the variable's name, not a token

image_app = typer.Typer(
    name="image",
    help="Write a new image tag or digest into the environment repo; poll registries for one.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def credentials_from_env() -> Credentials | None:
    token = os.environ.get(TOKEN_ENV)
    if token:
        return HttpsToken(token=token, username=os.environ.get(USERNAME_ENV) or "git")
    key = os.environ.get(SSH_KEY_ENV)
    if key:
        known = os.environ.get(KNOWN_HOSTS_ENV)
        return SshKey(Path(key), Path(known) if known else None)
    return None


def _repo_url(value: str) -> str:
    # A local folder is cloned by its absolute path, so the temporary clone's cwd does not matter.
    if "://" not in value and not value.startswith("git@") and Path(value).exists():
        return str(Path(value).resolve())
    return value


def _from_application(file: Path) -> tuple[str, str, str | None]:
    """(repo URL, path, branch) of the Application in a manifest file."""
    try:
        objects = load_documents(file.read_text(encoding="utf-8"), str(file))
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        raise BadInputError(f"{file} is not a readable Application manifest: {exc}") from exc
    apps = [obj for obj in objects if isinstance(obj, Application)]
    if len(apps) != 1:
        raise BadInputError(f"{file} holds {len(apps)} Applications; name the folder instead")
    sources = [s for s in [apps[0].spec.source, *apps[0].spec.sources] if s is not None]
    git_sources = [s for s in sources if not s.is_helm_chart and s.path]
    if len(git_sources) != 1:
        raise BadInputError(
            f"{file}: Application {apps[0].metadata.name} has {len(git_sources)} Git sources "
            "with a path; pass --repo and --path"
        )
    source = git_sources[0]
    revision = source.target_revision
    # HEAD or nothing leaves the choice to --branch (else main): write-back needs a branch name.
    return source.repo_url, source.path, None if revision in {"", "HEAD"} else revision


@dataclass(frozen=True)
class _Place:
    """Where the edit goes: repo, branch, folder, and how to open a pull request."""

    repo: str | None
    branch: str | None
    path: str | None
    pull_request: PullRequestSettings | None = None


def _stage_place(pipeline: str | None, app: str, stage_name: str) -> _Place:
    """The branch and folder of a pipeline stage (`--stage`), read from the pipeline file."""
    # Imported here: seaway.cli.pipeline imports this module.
    from seaway.cli.pipeline import pipeline_source  # noqa: PLC0415
    from seaway.controller.stages import PipelineError, find_pipeline, load_pipelines  # noqa: PLC0415

    if not pipeline:
        raise BadInputError(
            "--stage needs the pipeline that names it: --pipeline REPO[#BRANCH[:PATH]] "
            "(or SEAWAY_PIPELINE)"
        )
    try:
        loaded = find_pipeline(load_pipelines(RepoCache(), pipeline_source(pipeline)), app)
    except PipelineError as exc:
        raise BadInputError(str(exc)) from exc
    stage = loaded.pipeline.stage(stage_name)
    if stage is None:
        names = ", ".join(s.name for s in loaded.pipeline.stages) or "none"
        raise BadInputError(
            f"pipeline {loaded.pipeline.name} has no stage {stage_name!r} (stages: {names})"
        )
    return _Place(
        loaded.url,
        loaded.pipeline.spec.branch_of(stage),
        stage.folder,
        loaded.pipeline.spec.pull_request,
    )


def _pr_branch(ref: ImageRef, base: str) -> str:
    version = ref.tag or (ref.digest or "").removeprefix("sha256:")[:12] or "latest"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{ref.short_name}-{version}").strip("-.")
    return f"seaway/image-{base}-{name}"


def _open_pull_request(settings: PullRequestSettings, outcome: Outcome, base: str) -> str:
    token = os.environ.get(PR_TOKEN_ENV)
    if not token:
        raise BadInputError(f"--pr needs a token for {settings.api_url} in {PR_TOKEN_ENV}")
    title, _, body = outcome.message.partition("\n")
    opened = open_pull_request(
        settings, token, head=outcome.branch, base=base, title=title, body=body.strip()
    )
    return opened.url or f"#{opened.number}"


@image_app.command("set")
def set_image(
    app_or_path: Annotated[
        str,
        typer.Argument(
            metavar="APP_OR_PATH",
            help="The app's folder in the repo, or an Application manifest file that names "
            "the repo, path and branch.",
        ),
    ],
    image: Annotated[
        str, typer.Argument(metavar="IMAGE", help="IMAGE:TAG, IMAGE@DIGEST or IMAGE:TAG@DIGEST.")
    ],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="The environment repo: a URL or a local path."),
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option(help="The branch to commit to (default: the app's, else main)."),
    ] = None,
    path: Annotated[
        str | None,
        typer.Option(help="The folder in the repo (default: APP_OR_PATH)."),
    ] = None,
    message: Annotated[str | None, typer.Option(help="The commit message.")] = None,
    author: Annotated[
        str | None,
        typer.Option(help="'Name <email>' (default: GIT_AUTHOR_*, else Seaway)."),
    ] = None,
    helm_value: Annotated[
        str | None,
        typer.Option(help="Edit a Helm values file: the dotted key of the tag (image.tag)."),
    ] = None,
    helm_repository_value: Annotated[
        str | None,
        typer.Option(help="The dotted key of the repository (image.repository)."),
    ] = None,
    helm_digest_value: Annotated[
        str | None, typer.Option(help="The dotted key of the digest (image.digest).")
    ] = None,
    values_file: Annotated[
        str, typer.Option(help="The Helm values file, relative to the path.")
    ] = "values.yaml",
    attempts: Annotated[
        int, typer.Option(min=1, max=50, help="Push attempts when the branch moves on.")
    ] = 5,
    dry_run: Annotated[bool, typer.Option(help="Show the change; commit nothing.")] = False,
    stage: Annotated[
        str | None,
        typer.Option(help="Write to this pipeline stage's branch and folder (needs --pipeline)."),
    ] = None,
    pipeline: Annotated[
        str | None,
        typer.Option(
            envvar="SEAWAY_PIPELINE",
            help="The pipeline file for --stage and --pr: REPO[#BRANCH[:PATH]].",
        ),
    ] = None,
    pr: Annotated[
        bool,
        typer.Option(
            "--pr",
            help="Open a pull request (the pipeline's spec.pullRequest; token in "
            "SEAWAY_PR_TOKEN) instead of pushing to the branch.",
        ),
    ] = False,
) -> None:
    """Set an image in the environment repo, commit and push it.

    Edits a kustomization's [bold]images:[/bold] entry, else the [bold]image:[/bold] of the
    workloads under the path, or (with --helm-value) a Helm values file. Credentials come from
    SEAWAY_GIT_TOKEN (https) or SEAWAY_GIT_SSH_KEY, never from the command line.
    """
    # Messages hold file text and git output, where brackets are not Rich markup.
    out = Console(highlight=False, soft_wrap=True, markup=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        place = _Place(None, None, None)
        if stage is not None:
            place = _stage_place(pipeline, app_or_path, stage)
        elif app_or_path.endswith((".yaml", ".yml", ".json")) and Path(app_or_path).is_file():
            repo_url, app_path, app_branch = _from_application(Path(app_or_path))
            place = _Place(repo_url, app_branch, app_path)
        if pr and place.pull_request is None:
            raise BadInputError(
                "--pr needs --stage and a pipeline whose spec.pullRequest says where to open it"
            )
        repo = repo or place.repo
        if repo is None:
            raise BadInputError("--repo is required: the URL or path of the environment repo")
        ref = parse_image_ref(image)
        base = branch or place.branch or "main"
        helm = None
        if helm_value or helm_repository_value or helm_digest_value:
            helm = HelmTarget(values_file, helm_value, helm_repository_value, helm_digest_value)
        request = WriteBack(
            url=_repo_url(repo),
            branch=base,
            path=(path or place.path or app_or_path).strip("/") or ".",
            ref=ref,
            author=author_from_env(author),
            helm=helm,
            message=message,
            credentials=credentials_from_env(),
            dry_run=dry_run,
            attempts=attempts,
            push_to=_pr_branch(ref, base) if pr else None,
        )
        outcome = write_back(request)
        opened = None
        if place.pull_request is not None and pr and outcome.commit is not None:
            opened = _open_pull_request(place.pull_request, outcome, base)
    except BadInputError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}\nNothing was changed.")
        raise typer.Exit(BAD_INPUT_EXIT) from exc
    except (WriteBackError, SourceError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(FAILED_EXIT) from exc
    where = f"{redact_url(request.url)} {request.branch}:{request.path}"
    if outcome.plan.nothing_to_do:
        files = ", ".join(outcome.plan.matched)
        out.print(f"{ref} is already set in {request.branch} ({files}); nothing to do.")
        return
    if dry_run:
        for change in outcome.plan.changes:
            diff = difflib.unified_diff(
                change.old.splitlines(keepends=True),
                change.new.splitlines(keepends=True),
                f"a/{change.path}",
                f"b/{change.path}",
            )
            out.print("".join(diff), end="")
        out.print(f"dry run: would commit to {where}: {outcome.message}")
        return
    retried = f" after {outcome.attempts} attempts" if outcome.attempts > 1 else ""
    if opened is not None:
        out.print(
            f"pushed {(outcome.commit or '')[:12]} to branch {outcome.branch} and opened "
            f"{opened} into {where}: {outcome.message}"
        )
        return
    out.print(f"pushed {(outcome.commit or '')[:12]} to {where}{retried}: {outcome.message}")


# Imported last: image_poll uses credentials_from_env, defined above.
from seaway.cli.image_poll import poll  # noqa: E402

image_app.command("poll")(poll)
