"""`seaway image poll APP`: one poll of an app's image repositories, with write-back.

APP is an Application manifest file whose annotations list the images (Argo CD Image Updater's
`argocd-image-updater.argoproj.io/image-list` and per-image `update-strategy`). Exit codes: 0
done (written, or nothing newer), 1 a registry or Git step failed, 2 the input was bad.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from seaway.cli.attest import InsecureRegistries, insecure_registries
from seaway.cli.image import credentials_from_env
from seaway.model import Application, ManifestError, load_documents
from seaway.promote.poll import PollError, poll_app
from seaway.promote.writeback import BadInputError, author_from_env
from seaway.registry import RegistryClient, RegistryError

DONE_EXIT = 0
FAILED_EXIT = 1
BAD_INPUT_EXIT = 2


def _applications(file: Path) -> list[Application]:
    try:
        objects = load_documents(file.read_text(encoding="utf-8"), str(file))
    except (OSError, UnicodeDecodeError, ManifestError) as exc:
        raise BadInputError(f"{file} is not a readable Application manifest: {exc}") from exc
    apps = [obj for obj in objects if isinstance(obj, Application)]
    if not apps:
        raise BadInputError(f"{file} holds no Application")
    return apps


def poll(
    app_file: Annotated[
        Path,
        typer.Argument(metavar="APP", help="An Application manifest file (one or more apps)."),
    ],
    author: Annotated[
        str | None,
        typer.Option(help="'Name <email>' (default: GIT_AUTHOR_*, else Seaway)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Say what would be set; commit nothing.")] = False,
    insecure_registry: InsecureRegistries = None,
) -> None:
    """Poll the app's image repositories once and write a newer image back to Git.

    Credentials: the registry's from Docker's config.json; Git's from SEAWAY_GIT_TOKEN or
    SEAWAY_GIT_SSH_KEY, as for [bold]seaway image set[/bold].
    """
    out = Console(highlight=False, soft_wrap=True, markup=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    failed = False
    try:
        apps = _applications(app_file)
        who = author_from_env(author)
        with RegistryClient(insecure=insecure_registries(insecure_registry)) as client:
            for app in apps:
                results = poll_app(
                    app, client, author=who, credentials=credentials_from_env(), dry_run=dry_run
                )
                if not results:
                    out.print(f"{app.name}: no image-list annotation; nothing to poll")
                for result in results:
                    failed = failed or result.failed
                    commit = f" (commit {result.commit[:12]})" if result.commit else ""
                    out.print(f"{app.name}: {result.alias}: {result.message}{commit}")
    except (BadInputError, PollError, RegistryError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}\nNothing was changed.")
        raise typer.Exit(BAD_INPUT_EXIT) from exc
    raise typer.Exit(FAILED_EXIT if failed else DONE_EXIT)
