"""`seaway admin`: the admin password, API tokens and access checks, run on the server's host
against its data directory. With `--kubeconfig`, the generated admin password is kept in the
Secret `seaway server --backend kubernetes` made (`seaway-initial-admin-secret`), not on disk.

Exit codes: 0 done (for `can`: allowed), 1 not done (no such token, the initial password is
gone; for `can`: denied), 2 bad input. A secret (a password, a token) is printed only by the
command that exists to show it, alone on stdout so `$(...)` captures it; everything else goes
to stderr and never contains one.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from seaway.api.auth import (
    ADMIN_USER,
    STORE_FILE,
    Access,
    Enforcer,
    PolicyError,
    Scope,
    TokenError,
    TokenRequest,
    parse_policy,
)
from seaway.api.auth.tokens import DEFAULT_EXPIRY
from seaway.cli.kube import DEFAULT_NAMESPACE, Context, connect
from seaway.cluster.kubernetes import KubeError
from seaway.cluster.kubernetes.admin_secret import AdminSecret
from seaway.controller.service import default_data_dir

FAILED_EXIT = 1
BAD_INPUT_EXIT = 2

admin_app = typer.Typer(
    name="admin",
    help="Administration: the admin password, API tokens, access checks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
token_app = typer.Typer(
    name="token",
    help="API tokens for CI: create, list, revoke.",
    no_args_is_help=True,
    add_completion=False,
)
admin_app.add_typer(token_app, name="token")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Seaway's data directory (default: $XDG_DATA_HOME/seaway, else "
        "~/.local/share/seaway).",
        show_default=False,
    ),
]
# No $KUBECONFIG here: a kubeconfig in the environment must not move the password off disk
# for a server on the local backend.
SecretKubeconfig = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="Keep the generated password in the cluster's Secret seaway-initial-admin-secret, "
        "as `seaway server --backend kubernetes` does, not on disk.",
        show_default=False,
    ),
]
SecretNamespace = Annotated[
    str,
    typer.Option(
        "--namespace",
        "-n",
        envvar="SEAWAY_NAMESPACE",
        help="Seaway's namespace, which holds the Secret (with --kubeconfig).",
    ),
]


@admin_app.command("initial-password")
def initial_password(
    data_dir: DataDir = None,
    forget: Annotated[
        bool,
        typer.Option("--forget", help="Delete the generated password's plaintext."),
    ] = False,
    kubeconfig: SecretKubeconfig = None,
    context: Context = None,
    namespace: SecretNamespace = DEFAULT_NAMESPACE,
) -> None:
    """Print the admin password generated at first start, until it is changed or forgotten."""
    with _open_keeping(data_dir, kubeconfig, context, namespace) as access:
        where = access.initial_location
        if forget:
            removed = access.forget_initial_password(_actor())
            _say(
                f"Deleted the generated admin password, which was {where}."
                if removed
                else f"There was no generated admin password {where}."
            )
            return
        status = access.initial_password()
    if status.password is None:
        _fail(status.describe(), FAILED_EXIT)
    sys.stdout.write(status.password + "\n")
    _say(
        f"The password of user {ADMIN_USER!r}. It stays {where} until it is changed or "
        "`seaway admin initial-password --forget` deletes it."
    )


@admin_app.command("reset-password")
def reset_password(
    data_dir: DataDir = None,
    kubeconfig: SecretKubeconfig = None,
    context: Context = None,
    namespace: SecretNamespace = DEFAULT_NAMESPACE,
) -> None:
    """Give the admin a new generated password, print it, and end every admin session."""
    with _open_keeping(data_dir, kubeconfig, context, namespace) as access:
        password = access.reset_admin_password(_actor())
        where = access.initial_location
    sys.stdout.write(password + "\n")
    _say(
        f"New password for user {ADMIN_USER!r}; every session of it has ended. It is kept "
        f"{where}, where `seaway admin initial-password` shows it until it is changed or "
        "forgotten."
    )


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="A name for the token, unique among live ones.")],
    scope: Annotated[
        list[Scope],
        typer.Option("--scope", help="What the token may do; repeat for more.", show_default=False),
    ],
    expires: Annotated[
        str, typer.Option("--expires", help="Lifetime (e.g. 30d, 12h, 2w) or 'never'.")
    ] = DEFAULT_EXPIRY,
    user: Annotated[
        str, typer.Option("--user", help="The user the token acts as (its RBAC subject).")
    ] = ADMIN_USER,
    data_dir: DataDir = None,
) -> None:
    """Make an API token; it is printed once and cannot be shown again."""
    try:
        request = TokenRequest(name=name, scopes=tuple(scope), expires=expires)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        _fail(problems, BAD_INPUT_EXIT)
    with _open(data_dir) as access:
        if access.store.user(user) is None:
            _fail(f"no user named {user!r}", BAD_INPUT_EXIT)
        try:
            made = access.create_token(request, user, client=_actor())
        except TokenError as exc:
            _fail(str(exc), FAILED_EXIT)
    sys.stdout.write(made.secret + "\n")
    _say(
        f"Token {name!r} for user {user!r}, scopes {', '.join(request.scopes)}, expires "
        f"{_when(made.record.expires_at, 'never')}. Store it now: it is not shown again."
    )


@token_app.command("list")
def token_list(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
    data_dir: DataDir = None,
) -> None:
    """List API tokens (never their secrets, which Seaway does not keep)."""
    with _open(data_dir) as access:
        tokens = access.tokens(include_revoked)
        now = access.store.clock()
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "USER", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "STATE"):
        table.add_column(column, no_wrap=True)
    for token in tokens:
        table.add_row(
            Text(token.name),
            Text(token.created_by),
            Text(",".join(token.scopes)),
            _when(token.created_at),
            _when(token.expires_at, "never"),
            _when(token.last_used_at, "never"),
            token.state(now),
        )
    Console(highlight=False, width=200).print(table)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    data_dir: DataDir = None,
) -> None:
    """Revoke an API token at once; requests bearing it fail from now on."""
    with _open(data_dir) as access:
        try:
            access.revoke_token(name, _actor())
        except TokenError as exc:
            _fail(str(exc), FAILED_EXIT)
    _say(f"Revoked token {name!r}.")


@admin_app.command("can")
def can(
    subject: Annotated[str, typer.Argument(help="A user, group or role:<name>.")],
    action: Annotated[str, typer.Argument(help="get, create, update, delete, sync, ...")],
    resource: Annotated[str, typer.Argument(help="applications, projects, rollouts, ...")],
    obj: Annotated[
        str, typer.Argument(metavar="OBJECT", help="<project>/<application>, or a name.")
    ],
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="A policy.csv to add to the built-in roles.", show_default=False
        ),
    ] = None,
    default_role: Annotated[
        str | None,
        typer.Option(
            "--default", help="policy.default: the role every user holds.", show_default=False
        ),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group", help="A group the subject is in; repeat for more.", show_default=False
        ),
    ] = None,
) -> None:
    """Say whether SUBJECT may ACTION on RESOURCE OBJECT, and which rule decides it."""
    text = ""
    if policy is not None:
        try:
            text = policy.read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"{policy}: cannot read: {exc.strerror or exc}", BAD_INPUT_EXIT)
    try:
        parsed = parse_policy(text, str(policy or "policy.csv"), default_role)
    except PolicyError as exc:
        _fail("\n".join(exc.lines()), BAD_INPUT_EXIT)
    decision = Enforcer(parsed).enforce(subject, group or (), resource, action, obj)
    Console(highlight=False, soft_wrap=True).print(
        Text(f"{'yes' if decision.allowed else 'no'}: {decision.explain()}")
    )
    if not decision.allowed:
        raise typer.Exit(FAILED_EXIT)


def _open(data_dir: Path | None) -> Access:
    return Access((data_dir or default_data_dir()).expanduser())


@contextmanager
def _open_keeping(
    data_dir: Path | None, kubeconfig: Path | None, context: str | None, namespace: str
) -> Iterator[Access]:
    """The data directory's Access, its generated password kept on disk, or with a kubeconfig
    in the cluster's Secret; a cluster's refusal or absence ends the command with one line."""
    if kubeconfig is None:
        with _open(data_dir) as access:
            yield access
        return
    where = (data_dir or default_data_dir()).expanduser()
    if not (where / STORE_FILE).exists():
        # A fresh store would generate an admin of its own and overwrite the server's Secret.
        _fail(
            f"no Seaway data in {where}: pass the --data-dir of the "
            "`seaway server --backend kubernetes` this cluster's Secret belongs to",
            BAD_INPUT_EXIT,
        )
    secret = AdminSecret(lambda: connect(kubeconfig, context), namespace)
    try:
        with Access(where, plaintext=secret) as access:
            yield access
    except KubeError as exc:
        _fail(f"Secret {secret.path}: {exc}", FAILED_EXIT)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _when(at: float | None, missing: str = "") -> str:
    if at is None:
        return missing
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _say(message: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(message))


def _fail(message: str, code: int) -> NoReturn:
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(f"error: {message}"))
    raise typer.Exit(code) from None
