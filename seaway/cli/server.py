"""`seaway server`: the controller and the HTTP API in one process."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.text import Text

from seaway.api.auth import Access, InitialPassword, PolicyError
from seaway.api.server import ApiServer, load_enforcer, load_notifications
from seaway.api.webhook.secrets import WebhookConfigError, load_secrets
from seaway.cli.controller import Backend
from seaway.cli.kube import DEFAULT_NAMESPACE, Context, Kubeconfig, Namespace, connect, err, run
from seaway.cluster.kubernetes import KubeError
from seaway.cluster.kubernetes.admin_secret import AdminSecret
from seaway.controller.loop import Controller
from seaway.controller.promotion import promotion_loop
from seaway.controller.service import Settings, default_data_dir, serve, serve_local
from seaway.notify.config import NotifyConfigError
from seaway.notify.events import default_hub
from seaway.source import RepoCache

FAILED_EXIT = 1
BAD_INPUT_EXIT = 2


def _bad(message: str) -> NoReturn:
    err.print(Text(f"error: {message}"), style="red")
    raise typer.Exit(BAD_INPUT_EXIT)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        _bad(f"--address must be HOST:PORT (e.g. 127.0.0.1:8080), not {text!r}")
    return host, int(port)


def server(
    backend: Annotated[
        Backend, typer.Option(help="where apps run: this host, or a Kubernetes cluster")
    ] = Backend.LOCAL,
    apps: Annotated[
        list[Path] | None,
        typer.Option("--apps", help="files or folders of Applications (needed by local)"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="state: logins, tokens, audit log, the local backend (~/.local/share/seaway)"
        ),
    ] = None,
    address: Annotated[str, typer.Option(help="HOST:PORT the API listens on")] = "127.0.0.1:8080",
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    interval: Annotated[
        float, typer.Option(help="seconds between two checks of Git for new revisions")
    ] = 60.0,
    workers: Annotated[int, typer.Option(help="apps reconciled at the same time")] = 2,
    rbac_policy: Annotated[
        Path | None,
        typer.Option(help="policy.csv (Argo CD's form) added to the built-in roles"),
    ] = None,
    rbac_default: Annotated[
        str | None, typer.Option(help="policy.default: a role every user holds, e.g. role:readonly")
    ] = None,
    webhook_secrets: Annotated[
        Path | None,
        typer.Option(
            help="YAML with the webhook secrets (github, gitlab, generic, genericHeader); "
            "$SEAWAY_WEBHOOK_<PROVIDER>_SECRET override it"
        ),
    ] = None,
    notifications: Annotated[
        Path | None, typer.Option(help="YAML of notification destinations and subscriptions")
    ] = None,
    pipeline: Annotated[
        list[str] | None,
        typer.Option(
            "--pipeline",
            help="a stage pipeline to promote through (approvals come over the API): "
            "REPO[#BRANCH[:PATH]]; repeat for more",
        ),
    ] = None,
    promotion_interval: Annotated[
        float, typer.Option(help="seconds between two rounds of the pipelines' gates")
    ] = 10.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the controller and its HTTP API in one process, until SIGINT or SIGTERM."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    host, port = _address(address)
    if backend is Backend.LOCAL and not apps:
        _bad("the local backend needs --apps FILE_OR_FOLDER (its Applications)")
    try:
        enforcer = load_enforcer(rbac_policy, rbac_default)
        secrets = load_secrets(webhook_secrets)
        notify = load_notifications(notifications)
    except PolicyError as exc:
        _bad("\n".join(exc.lines()))
    except (WebhookConfigError, NotifyConfigError) as exc:
        _bad(str(exc))
    except OSError as exc:
        _bad(f"{exc.filename}: cannot read: {exc.strerror or exc}")
    where = (data_dir or default_data_dir()).expanduser()
    secret = None
    if backend is Backend.KUBERNETES:
        secret = AdminSecret(lambda: connect(kubeconfig, context), namespace)
    access = _access(where, secret)
    settings = Settings(namespace=namespace, interval=interval, workers=workers)

    async def main(controller: Controller, stop: asyncio.Event) -> None:
        # The promotion loop runs beside the API, which approvals and the UI go through.
        promotions = promotion_loop(
            controller.apps,
            RepoCache(where / "repos"),
            where / "seaway.db",
            tuple(pipeline or ()),
            promotion_interval,
        )
        api = ApiServer(
            controller,
            access,
            host=host,
            port=port,
            enforcer=enforcer,
            webhooks=secrets,
            notifications=notify,
            # The process's hub: rollouts, promotion and gates publish there with `emit`.
            hub=default_hub,
            promotions=promotions,
            background=[promotions.run] if promotions is not None else [],
        )
        await api.start()
        err.print(Text(f"seaway server: listening on {api.url} ({backend.value} backend)"))
        # In a thread: on Kubernetes, reading the Secret waits on the API server.
        await asyncio.to_thread(_password_hint, access, where, secret, kubeconfig)
        stopping = asyncio.create_task(stop.wait())
        serving = asyncio.create_task(api.wait())
        await asyncio.wait([stopping, serving], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        await api.stop()
        err.print(Text("seaway server: stopped"))

    try:
        if backend is Backend.LOCAL:
            asyncio.run(serve_local(where, apps or [], settings, main))
            return

        async def go() -> None:
            async with connect(kubeconfig, context) as rest:
                await serve(rest, settings, apps, main)

        run(go())
    except OSError as exc:
        _bad(str(exc))
    finally:
        access.close()


def _access(where: Path, secret: AdminSecret | None) -> Access:
    """The access store; the generated admin password kept in `secret` on Kubernetes, in a
    file beside the store otherwise."""
    if secret is None:
        return Access(where)
    try:
        return Access(where, plaintext=secret)
    except KubeError as exc:
        err.print(Text(f"error: Secret {secret.path}: {exc}"), style="red", soft_wrap=True)
        raise typer.Exit(FAILED_EXIT) from None


def _password_hint(
    access: Access, where: Path, secret: AdminSecret | None, kubeconfig: Path | None
) -> None:
    if access.initial_password().state is not InitialPassword.AVAILABLE:
        return
    # Where it is and how to read it; never the password itself, which logs would keep.
    if secret is not None:
        shows = (
            f"`seaway admin initial-password --kubeconfig {kubeconfig or 'PATH'} "
            f"-n {secret.namespace} --data-dir {where}`"
        )
    else:
        shows = f"`seaway admin initial-password --data-dir {where}`"
    err.print(
        Text(
            f"The admin password was generated ({access.initial_location}): {shows} "
            "shows it; then `seaway login --server URL`."
        )
    )
