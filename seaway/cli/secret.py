"""`seaway secret`: sealing keys and sealed secrets in kubeseal's format.

Exit codes: 0 done, 1 the operation could not be done (no key opens a SealedSecret, a key store
that is empty or unsafe), 2 the input could not be read. No output, error included, ever shows a
secret value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
import yaml
from rich.console import Console
from rich.text import Text

from seaway.secrets import (
    DEFAULT_KEY_BITS,
    KeyStore,
    KeyStoreError,
    ManifestError,
    Scope,
    StoredKey,
    UnsealError,
    certificate_pem,
    load_public_key,
    reseal,
    seal,
)

FAILED_EXIT = 1
BAD_INPUT_EXIT = 2
_STDIN = "<stdin>"

T = TypeVar("T")

secret_app = typer.Typer(
    name="secret",
    help="Sealed secrets: keys, seal, rotate, reseal.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

KeyDir = Annotated[Path, typer.Option("--dir", help="The key store directory.", show_default=False)]
Bits = Annotated[int, typer.Option("--bits", help="RSA key size in bits.", min=2048)]


class ScopeChoice(StrEnum):
    STRICT = "strict"
    NAMESPACE_WIDE = "namespace-wide"
    CLUSTER_WIDE = "cluster-wide"


@secret_app.command("keygen")
def keygen(directory: KeyDir, bits: Bits = DEFAULT_KEY_BITS) -> None:
    """Create the first sealing key (RSA and a self-signed certificate) in a new key store."""
    stored = _keystore_call(lambda: KeyStore(directory).generate(bits))
    _say_key("Generated", stored)


@secret_app.command("rotate")
def rotate(directory: KeyDir, bits: Bits = DEFAULT_KEY_BITS) -> None:
    """Add a new active key; older keys stay to open what they sealed."""
    stored = _keystore_call(lambda: KeyStore(directory).rotate(bits))
    _say_key("Rotated: new active key", stored)


@secret_app.command("cert")
def cert(directory: KeyDir) -> None:
    """Print the active key's public certificate (PEM), the one to seal with."""
    stored = _keystore_call(lambda: KeyStore(directory).active())
    sys.stdout.write(certificate_pem(stored.key.certificate).decode())


@secret_app.command("seal")
def seal_command(
    cert: Annotated[
        Path, typer.Option("--cert", help="Certificate (PEM) to seal with.", show_default=False)
    ],
    scope: Annotated[
        ScopeChoice | None,
        typer.Option(
            "--scope",
            help="Where the secret may be opened; default: the Secret's scope annotations, "
            "else strict.",
            show_default=False,
        ),
    ] = None,
    allow_empty_data: Annotated[
        bool, typer.Option("--allow-empty-data", help="Seal a Secret with no data.")
    ] = False,
) -> None:
    """Read Secret manifests (YAML or JSON) on stdin, write SealedSecrets on stdout."""
    try:
        public_key = load_public_key(cert.read_bytes(), str(cert))
    except OSError as exc:
        _fail(f"{cert}: cannot read: {exc.strerror or exc}", BAD_INPUT_EXIT)
    except KeyStoreError as exc:
        _fail(str(exc), BAD_INPUT_EXIT)
    chosen = Scope(scope.value) if scope is not None else None
    sealed = []
    for number, document in _documents(sys.stdin.read()):
        try:
            sealed.append(seal(document, public_key, chosen, allow_empty_data=allow_empty_data))
        except ManifestError as exc:
            _fail(f"{_STDIN}, document {number}: {exc}", BAD_INPUT_EXIT)
    _write_documents(sealed)


@secret_app.command("reseal")
def reseal_command(directory: KeyDir) -> None:
    """Read SealedSecrets on stdin, write them sealed again with the newest key on stdout."""
    store = KeyStore(directory)
    stored = _keystore_call(store.list_keys)
    if not stored:
        _keystore_call(store.active)
    keys = [item.key for item in stored]
    resealed = []
    for number, document in _documents(sys.stdin.read()):
        try:
            resealed.append(reseal(document, keys, stored[0].key.public_key))
        except ManifestError as exc:
            _fail(f"{_STDIN}, document {number}: {exc}", BAD_INPUT_EXIT)
        except UnsealError as exc:
            _fail(f"{_STDIN}, document {number}: {exc}", FAILED_EXIT)
    _write_documents(resealed)


def _keystore_call(call: Callable[[], T]) -> T:
    try:
        return call()
    except KeyStoreError as exc:
        _fail(str(exc), FAILED_EXIT)
    except OSError as exc:
        _fail(f"{exc.filename or 'key store'}: {exc.strerror or exc}", FAILED_EXIT)


def _say_key(what: str, stored: StoredKey) -> None:
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{what} {stored.name} ({stored.key.fingerprint})"))
    console.print(Text(f"  private key: {stored.key_path} (mode 0600)"))
    console.print(Text(f"  certificate: {stored.certificate_path}"))


def _documents(text: str) -> Iterator[tuple[int, Any]]:
    """(1-based document number, object) for every non-empty YAML or JSON document."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        # PyYAML's own message quotes the offending line, which may hold a secret value: say
        # only where and what.
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        _fail(
            f"{_STDIN}: not valid YAML at {where}: {exc.problem or 'syntax error'}", BAD_INPUT_EXIT
        )
    except yaml.YAMLError:
        _fail(f"{_STDIN}: not valid YAML", BAD_INPUT_EXIT)
    found = [(number, doc) for number, doc in enumerate(documents, 1) if doc is not None]
    if not found:
        _fail(f"{_STDIN}: no manifest given", BAD_INPUT_EXIT)
    yield from found


def _write_documents(documents: list[dict[str, Any]]) -> None:
    sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True))


def _fail(message: str, code: int) -> NoReturn:
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(f"error: {message}"))
    raise typer.Exit(code) from None
