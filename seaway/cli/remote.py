"""Talking to a Seaway server: the stored login (a session token per server, in
$XDG_CONFIG_HOME/seaway/config.yaml, mode 0600), the HTTP client, and `seaway login`."""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx2
import typer
import yaml
from rich.console import Console
from rich.text import Text

CONFIG_MODE = 0o600
FAILED_EXIT = 1
BAD_INPUT_EXIT = 2

err = Console(stderr=True, highlight=False, soft_wrap=True)

Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="SEAWAY_SERVER",
        help="a Seaway server's URL: use its API instead of the cluster ($SEAWAY_SERVER)",
        show_default=False,
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="SEAWAY_TOKEN",
        help="an API token or session for --server (default: the one `seaway login` stored)",
        show_default=False,
    ),
]


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "seaway" / "config.yaml"


def _server_key(url: str) -> str:
    return url.strip().rstrip("/")


def read_config() -> dict[str, Any]:
    try:
        data = yaml.safe_load(config_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        fail(f"{config_path()}: cannot read: {exc}", BAD_INPUT_EXIT)
    return data if isinstance(data, dict) else {}


def write_config(data: dict[str, Any]) -> None:
    """Atomically, and never readable by others, even for an instant: it holds sessions."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, CONFIG_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def stored_token(server: str) -> str | None:
    entry = (read_config().get("servers") or {}).get(_server_key(server)) or {}
    token = entry.get("token")
    return str(token) if token else None


def fail(message: str, code: int = FAILED_EXIT) -> NoReturn:
    err.print(Text(f"error: {message}"))
    raise typer.Exit(code)


class Api:
    """A blocking client of one server; errors become one clear line and an exit code."""

    def __init__(self, server: str, token: str | None) -> None:
        self.server = _server_key(server)
        self.token = token or stored_token(self.server)
        if not self.token:
            fail(
                f"not logged in to {self.server}: run `seaway login --server {self.server}` "
                "or give --token",
                BAD_INPUT_EXIT,
            )
        self._client = httpx2.Client(
            base_url=self.server,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60.0,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            answer = self._client.request(method, path, json=body)
        except httpx2.HTTPError as exc:
            fail(f"cannot reach {self.server}: {type(exc).__name__}: {exc}")
        if answer.status_code == 401:
            fail(
                f"{self.server} refused the credentials ({_detail(answer)}); "
                f"run `seaway login --server {self.server}`"
            )
        if answer.is_error:
            code = BAD_INPUT_EXIT if answer.status_code in (400, 409, 422) else FAILED_EXIT
            fail(f"{self.server} answered {answer.status_code}: {_detail(answer)}", code)
        return answer.json()


def _detail(answer: httpx2.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        return answer.text[:200]
    return str(detail) if detail is not None else answer.text[:200]


def _password(username: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {username}: ")
    # Piped in (`seaway admin initial-password | seaway login ...`): the first line.
    return sys.stdin.readline().rstrip("\r\n")


def login(
    server: Annotated[str, typer.Option("--server", envvar="SEAWAY_SERVER", help="the URL")],
    username: Annotated[str, typer.Option("--username", help="who to log in as")] = "admin",
) -> None:
    """Log in to a Seaway server (password prompted, or read from stdin)."""
    url = _server_key(server)
    if not url.startswith(("http://", "https://")):
        fail(f"--server must be an http:// or https:// URL, not {server!r}", BAD_INPUT_EXIT)
    password = _password(username)
    if not password:
        fail("no password given", BAD_INPUT_EXIT)
    try:
        answer = httpx2.post(
            f"{url}/api/v1/session",
            json={"username": username, "password": password},
            timeout=60.0,
        )
    except httpx2.HTTPError as exc:
        fail(f"cannot reach {url}: {type(exc).__name__}: {exc}")
    if answer.status_code in (401, 429):
        fail(f"login refused: {_detail(answer)}")
    if answer.is_error:
        fail(f"{url} answered {answer.status_code}: {_detail(answer)}")
    data = read_config()
    servers = data.setdefault("servers", {})
    servers[url] = {"username": username, "token": answer.json()["token"]}
    data["current"] = url
    write_config(data)
    err.print(Text(f"Logged in to {url} as {username}; the session is in {config_path()}."))
