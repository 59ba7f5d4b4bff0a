"""`seaway attest`, `seaway verify` and `seaway key`: signed attestations and binary authorization.

Exit codes are the contract with the pipeline: 0 done (or the image is allowed), 1 the image is
refused, 2 the input could not be used (a bad policy never looks like a refusal, nor a pass). No
output, error included, ever shows private key material; passwords come from an environment
variable, never from the command line.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from seaway.gates import ReportError, ScanPolicy, Severity, evaluate, parse_report
from seaway.gates.attest import (
    PREDICATE_MODELS,
    Algorithm,
    Approval,
    AttestationStore,
    AttestError,
    ImageRef,
    PredicateKind,
    RegistryAttestations,
    TestResult,
    Verdict,
    generate_key,
    parse_image_ref,
    read_attestation,
    read_policy,
    read_private_key,
    registry_reference,
    scan_predicate,
    sign_envelope,
    statement_for,
    verify,
    write_atomically,
    write_key_pair,
)
from seaway.gates.errors import validation_problems
from seaway.registry import RegistryClient, RegistryError, parse_reference

OK_EXIT = 0
REFUSED_EXIT = 1
BAD_INPUT_EXIT = 2

key_app = typer.Typer(
    name="key",
    help="Keys that sign attestations: generate, print the public key.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

PasswordEnv = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        help="Name of the environment variable holding the key's password.",
        show_default=False,
    ),
]


InsecureRegistries = Annotated[
    list[str] | None,
    typer.Option(
        "--insecure-registry",
        help="A registry (HOST:PORT) to reach over plain HTTP; repeatable. "
        "Also read from SEAWAY_INSECURE_REGISTRIES (comma-separated).",
        show_default=False,
    ),
]


def insecure_registries(given: list[str] | None) -> list[str]:
    listed = os.environ.get("SEAWAY_INSECURE_REGISTRIES", "")
    return [*(given or ()), *(h.strip() for h in listed.split(",") if h.strip())]


def registry_client(given: list[str] | None) -> RegistryClient:
    try:
        return RegistryClient(insecure=insecure_registries(given))
    except RegistryError as exc:
        _bad_input(str(exc))


class Threshold(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def _errors() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _bad_input(message: str) -> NoReturn:
    _errors().print(Text(f"error: {message}"))
    raise typer.Exit(BAD_INPUT_EXIT)


def _password(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        _bad_input(f"--password-env {variable}: the variable is not set or empty")
    return value.encode()


def _image(text: str, option: str) -> ImageRef:
    try:
        return parse_image_ref(text)
    except ValueError as exc:
        _bad_input(f"{option}: {exc}")


def attest(
    image: Annotated[
        str, typer.Option("--image", help="IMAGE@sha256:<digest>.", show_default=False)
    ],
    predicate_type: Annotated[
        PredicateKind,
        typer.Option("--predicate-type", help="What is attested.", show_default=False),
    ],
    key: Annotated[
        Path, typer.Option("--key", help="Private key (PEM) to sign with.", show_default=False)
    ],
    predicate: Annotated[
        Path | None,
        typer.Option("--predicate", help="The predicate as a JSON file.", show_default=False),
    ] = None,
    from_scan: Annotated[
        Path | None,
        typer.Option("--from-scan", help="scan: a Grype or Trivy JSON report.", show_default=False),
    ] = None,
    fail_on: Annotated[
        Threshold | None,
        typer.Option(
            "--fail-on",
            help="scan: the gate's threshold, recorded with each finding.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    only_fixed: Annotated[
        bool, typer.Option("--only-fixed", help="scan: count only findings with a fix.")
    ] = False,
    allow: Annotated[
        list[str] | None,
        typer.Option("--allow", help="scan: accepted vulnerability id.", show_default=False),
    ] = None,
    passed: Annotated[
        bool | None,
        typer.Option("--passed/--failed", help="test-result: the outcome.", show_default=False),
    ] = None,
    suite: Annotated[str, typer.Option("--suite", help="test-result: suite name.")] = "tests",
    failures: Annotated[
        int, typer.Option("--failures", help="test-result: how many tests failed.", min=0)
    ] = 0,
    command: Annotated[
        str, typer.Option("--command", help="test-result: the command that ran the tests.")
    ] = "",
    commit: Annotated[
        str, typer.Option("--commit", help="test-result: the commit tested.", show_default=False)
    ] = "",
    approver: Annotated[
        str | None,
        typer.Option("--approver", help="approval: who approves.", show_default=False),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option("--stage", help="approval: the stage approved for.", show_default=False),
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help="approval: a note.")] = "",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the DSSE envelope to this file.", show_default=False),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Write it into this attestation store (attestations/<digest>/...).",
            show_default=False,
        ),
    ] = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Store it in the image's OCI registry, as cosign does (sha256-<hex>.att).",
        ),
    ] = False,
    insecure_registry: InsecureRegistries = None,
    password_env: PasswordEnv = None,
) -> None:
    """Sign an in-toto attestation (DSSE envelope) about an image pinned by digest."""
    ref = _image(image, "--image")
    if sum((out is not None, store is not None, push)) > 1:
        _bad_input("give one of --out, --store and --push")
    try:
        made = _predicate(
            predicate_type,
            predicate_file=predicate,
            from_scan=from_scan,
            fail_on=fail_on,
            only_fixed=only_fixed,
            allow=allow,
            test=(passed, suite, failures, command, commit),
            approval=(approver, stage, comment),
        )
        signing_key = read_private_key(key, _password(password_env))
    except AttestError as exc:
        _bad_input(str(exc))
    statement = statement_for(
        ref, predicate_type.uri, made.model_dump(mode="json", by_alias=True, exclude_none=True)
    )
    envelope = sign_envelope(statement.to_json(), signing_key)
    console = _errors()
    if push:
        with registry_client(insecure_registry) as client:
            try:
                where = RegistryAttestations(client).push(ref, predicate_type, envelope)
            except AttestError as exc:
                _bad_input(str(exc))
    elif store is not None:
        approval = made if isinstance(made, Approval) else None
        where = str(AttestationStore(store).add(ref, predicate_type, envelope, approval))
    elif out is not None:
        write_atomically(out, envelope.to_json())
        where = str(out)
    else:
        sys.stdout.write(envelope.to_json().decode())
        where = "stdout"
    console.print(
        Text(
            f"Signed {predicate_type.value} attestation for {ref} with "
            f"{signing_key.algorithm.value} key {signing_key.public.short_id} -> {where}"
        )
    )


def _predicate(
    kind: PredicateKind,
    *,
    predicate_file: Path | None,
    from_scan: Path | None,
    fail_on: Threshold | None,
    only_fixed: bool,
    allow: list[str] | None,
    test: tuple[bool | None, str, int, str, str],
    approval: tuple[str | None, str | None, str],
) -> BaseModel:
    if predicate_file is not None:
        return _predicate_from_file(kind, predicate_file)
    if kind is PredicateKind.SCAN:
        if from_scan is None or fail_on is None:
            _bad_input("--predicate-type scan needs --predicate FILE, or --from-scan and --fail-on")
        return _scan(from_scan, fail_on, only_fixed, allow)
    if kind is PredicateKind.TEST_RESULT:
        passed, suite, failures, command, commit = test
        if passed is None:
            _bad_input("--predicate-type test-result needs --predicate FILE, or --passed/--failed")
        values: dict[str, Any] = {
            "suite": suite,
            "passed": passed,
            "failed": failures,
            "command": command,
            "commit": commit,
        }
        return _validated(TestResult, values, "the test-result options")
    approver, stage, comment = approval
    if approver is None or stage is None:
        _bad_input("--predicate-type approval needs --predicate FILE, or --approver and --stage")
    values = {
        "approver": approver,
        "stage": stage,
        "approvedAt": datetime.now(UTC).replace(microsecond=0),
        "comment": comment,
    }
    return _validated(Approval, values, "the approval options")


def _predicate_from_file(kind: PredicateKind, path: Path) -> BaseModel:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        _bad_input(f"{path}: cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        _bad_input(f"{path}: not JSON: {exc}")
    # Checked before signing, so that nothing malformed ever carries a trusted signature.
    return _validated(PREDICATE_MODELS[kind], data, str(path))


def _validated(model: type[BaseModel], values: Any, source: str) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise AttestError(source, validation_problems(exc)) from None


def _scan(report: Path, fail_on: Threshold, only_fixed: bool, allow: list[str] | None) -> BaseModel:
    try:
        text = report.read_bytes()
    except OSError as exc:
        _bad_input(f"{report}: cannot read: {exc.strerror or exc}")
    try:
        scan_report = parse_report(text, str(report))
    except ReportError as exc:
        _bad_input(str(exc))
    policy = ScanPolicy(
        fail_on=Severity(fail_on.value), only_fixed=only_fixed, allow=frozenset(allow or ())
    )
    result = evaluate(scan_report, policy)
    outcome = "passes" if result.passed else f"fails ({len(result.failing)} at {fail_on} or above)"
    _errors().print(Text(f"Scan gate {outcome}; attesting every finding with the gate's decision"))
    return scan_predicate(scan_report, result)


def verify_command(
    image: Annotated[
        str,
        typer.Argument(
            help="IMAGE@sha256:<digest>, or REGISTRY/REPOSITORY:TAG to resolve in the registry.",
            show_default=False,
        ),
    ],
    policy: Annotated[
        Path, typer.Option("--policy", help="Attestation policy (YAML).", show_default=False)
    ],
    stage: Annotated[str, typer.Option("--stage", help="The stage to enter.")] = "prod",
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Attestation store to read.", show_default=False),
    ] = None,
    attestation: Annotated[
        list[Path] | None,
        typer.Option("--attestation", help="A DSSE envelope file; repeatable.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    insecure_registry: InsecureRegistries = None,
) -> None:
    """Check an image's attestations against a stage's policy: exit 0 allowed, 1 refused.

    Without --store or --attestation, the attestations are read from the image's registry.
    """
    try:
        rules = read_policy(policy)
        rules.stage(stage)
    except AttestError as exc:
        _bad_input(str(exc))
    if store is None and not attestation:
        with registry_client(insecure_registry) as client:
            ref = pinned_image(client, image)
            try:
                found = RegistryAttestations(client).load(ref)
                verdict = verify(ref, found, rules, stage)
            except AttestError as exc:
                _bad_input(str(exc))
    else:
        ref = _image(image, "IMAGE")
        try:
            found = AttestationStore(store).load(ref) if store is not None else []
            found += [read_attestation(path) for path in attestation or ()]
            verdict = verify(ref, found, rules, stage)
        except AttestError as exc:
            _bad_input(str(exc))
    if as_json:
        typer.echo(json.dumps(verdict.to_dict(), indent=2))
    else:
        _print_verdict(Console(highlight=False, soft_wrap=True), ref, verdict)
    raise typer.Exit(OK_EXIT if verdict.allowed else REFUSED_EXIT)


def pinned_image(client: RegistryClient, image: str) -> ImageRef:
    """The image by digest; a tag is resolved in the registry, now."""
    try:
        pinned = parse_image_ref(image)
    except ValueError:
        pass
    else:
        try:
            registry_reference(pinned)
        except AttestError as exc:
            _bad_input(str(exc))
        return pinned
    try:
        reference = parse_reference(image)
        digest = client.resolve(reference)
    except ValueError as exc:
        _bad_input(f"IMAGE: {exc}")
    except RegistryError as exc:
        _bad_input(f"IMAGE: {exc}")
    return ImageRef(reference.name, digest.removeprefix("sha256:"))


def _print_verdict(console: Console, image: ImageRef, verdict: Verdict) -> None:
    table = Table(title=f"Attestations for {image}, stage {verdict.stage}", title_justify="left")
    table.add_column("Check", no_wrap=True)
    table.add_column("Detail", overflow="fold")
    for line in verdict.satisfied:
        table.add_row(Text("satisfied", "green"), line)
    for line in verdict.missing:
        table.add_row(Text("missing", "bold red"), line)
    for line in verdict.problems:
        table.add_row(Text("problem", "yellow"), line)
    console.print(table)
    if verdict.allowed:
        console.print(Text(f"ALLOWED: {image.digest} may enter {verdict.stage}", "bold green"))
    else:
        console.print(
            Text(
                f"REFUSED: {image.digest} may not enter {verdict.stage}: "
                f"{len(verdict.missing)} requirement{'' if len(verdict.missing) == 1 else 's'} "
                "not met",
                "bold red",
            )
        )


@key_app.command("generate")
def generate(
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for <name>.key and <name>.pub.", show_default=False),
    ],
    algorithm: Annotated[
        Algorithm, typer.Option("--algorithm", help="Signature algorithm.")
    ] = Algorithm.ECDSA_P256,
    name: Annotated[str, typer.Option("--name", help="File name of the pair.")] = "attest",
    password_env: PasswordEnv = None,
) -> None:
    """Generate a signing key pair: the private key (mode 0600) and its public key (PEM)."""
    signing_key = generate_key(algorithm)
    try:
        private_path, public_path = write_key_pair(out, name, signing_key, _password(password_env))
    except AttestError as exc:
        _bad_input(str(exc))
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"Generated {algorithm.value} key {signing_key.public.keyid}"))
    console.print(Text(f"Private key: {private_path} (keep it secret; mode 0600)"))
    console.print(Text(f"Public key:  {public_path} (list it in a policy's trustedKeys)"))


@key_app.command("public")
def public(
    key: Annotated[Path, typer.Option("--key", help="Private key (PEM).", show_default=False)],
    password_env: PasswordEnv = None,
) -> None:
    """Print the public key (PEM) of a private key."""
    try:
        signing_key = read_private_key(key, _password(password_env))
    except AttestError as exc:
        _bad_input(str(exc))
    sys.stdout.write(signing_key.public.pem().decode())
