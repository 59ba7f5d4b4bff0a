"""`seaway gate test`: integration tests as a gate, their result signed as an attestation.

    seaway gate test --stage dev --image REGISTRY/REPO:TAG --attest --key ci.key -- make e2e

The command runs on this host with a timeout; or, with --job FILE, a Kubernetes Job runs in
the cluster of the kubeconfig until it completes or fails. Exit codes: 0 the tests passed, 1
they failed or timed out, 2 the input could not be used. With --attest, the result (pass or
fail: a failure is worth recording too) is signed as a test-result attestation and stored in
the image's registry, or in --store DIR.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.text import Text

from seaway.cli.attest import (
    BAD_INPUT_EXIT,
    OK_EXIT,
    REFUSED_EXIT,
    InsecureRegistries,
    PasswordEnv,
    _bad_input,
    _errors,
    _image,
    _password,
    pinned_image,
    registry_client,
)
from seaway.cli.kube import Context, Kubeconfig, connect
from seaway.cluster.kubernetes import KubeError
from seaway.gates.attest import (
    AttestationStore,
    AttestError,
    ImageRef,
    PredicateKind,
    RegistryAttestations,
    SigningKey,
    read_private_key,
    sign_envelope,
    statement_for,
)
from seaway.gates.jobrun import JobSpecError, job_to_run, run_job
from seaway.gates.testrun import TestRun, run_test_command


def gate_test(
    command: Annotated[
        list[str] | None,
        typer.Argument(help="The test command, after --.", show_default=False),
    ] = None,
    stage: Annotated[
        str, typer.Option("--stage", help="The stage the tests ran in.", show_default=False)
    ] = "",
    image: Annotated[
        str,
        typer.Option(
            "--image", help="The image tested: IMAGE@sha256:<digest>, or a tag to resolve."
        ),
    ] = "",
    suite: Annotated[str, typer.Option("--suite", help="Name of the test suite.")] = "integration",
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds before the tests are stopped.", min=1)
    ] = 1800.0,
    commit: Annotated[str, typer.Option("--commit", help="The commit tested.")] = "",
    attest: Annotated[
        bool, typer.Option("--attest", help="Sign the result as a test-result attestation.")
    ] = False,
    key: Annotated[
        Path | None, typer.Option("--key", help="Private key (PEM) to sign with.")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Store the attestation here instead of the registry."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    job: Annotated[
        Path | None,
        typer.Option("--job", help="Run this Kubernetes Job (YAML) instead of a command."),
    ] = None,
    job_namespace: Annotated[
        str | None, typer.Option("--job-namespace", help="Namespace of the Job.")
    ] = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    insecure_registry: InsecureRegistries = None,
    password_env: PasswordEnv = None,
) -> None:
    """Run integration tests as a gate: record pass/fail, duration and output digest."""
    if job is not None and command:
        _bad_input("give --job FILE or a command after --, not both")
    if job is None and not command:
        _bad_input("give the test command after --, e.g. seaway gate test ... -- make e2e")
    if not stage or not image:
        _bad_input("--stage and --image are required")
    if attest and key is None:
        _bad_input("--attest needs --key KEY")
    signing_key = None
    ref = None
    if attest and key is not None:
        try:
            signing_key = read_private_key(key, _password(password_env))
        except AttestError as exc:
            _bad_input(str(exc))
        # Resolved before the tests run: the digest tested is the one the tag named then.
        ref = _tested_image(image, insecure_registry, registry=store is None)
    console = _errors()
    if job is not None:
        manifest = _job_manifest(job, job_namespace)
        console.print(Text(f"Running {suite} tests for {image} in {stage}: Job {job}"))
        run, why = _run_job(manifest, timeout, kubeconfig, context)
        console.print(Text(why))
    else:
        command = command or []
        console.print(Text(f"Running {suite} tests for {image} in {stage}: {' '.join(command)}"))
        try:
            run = run_test_command(command, timeout, echo=_echo)
        except OSError as exc:
            _bad_input(f"{command[0]}: cannot run: {exc.strerror or exc}")
    record = _record(run, suite, stage, image)
    if signing_key is not None and ref is not None:
        record["attestation"] = _attest(
            run, (suite, stage, commit), signing_key, ref, store, insecure_registry,
        )  # fmt: skip
    style = "bold green" if run.passed else "bold red"
    console.print(Text(f"{suite} {run.describe()}", style))
    if as_json:
        typer.echo(json.dumps(record, indent=2))
    raise typer.Exit(OK_EXIT if run.passed else REFUSED_EXIT)


def _job_manifest(path: Path, namespace: str | None) -> dict[str, Any]:
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _bad_input(f"{path}: cannot read: {exc}")
    except yaml.YAMLError as exc:
        _bad_input(f"{path}: not YAML: {exc}")
    if not isinstance(manifest, dict):
        _bad_input(f"{path}: expected one Job manifest (a YAML mapping)")
    try:
        return job_to_run(manifest, str(path), namespace)
    except JobSpecError as exc:
        _bad_input(str(exc))


def _run_job(
    manifest: dict[str, Any], timeout: float, kubeconfig: Path | None, context: str | None
) -> tuple[TestRun, str]:
    async def go() -> tuple[TestRun, str]:
        async with connect(kubeconfig, context) as rest:
            return await run_job(rest, manifest, timeout)

    try:
        return asyncio.run(go())
    except KubeError as exc:
        _bad_input(f"the API server refused the Job: {exc}")


def _echo(chunk: bytes) -> None:
    sys.stderr.buffer.write(chunk)
    sys.stderr.buffer.flush()


def _tested_image(text: str, insecure: list[str] | None, registry: bool) -> ImageRef:
    if not registry:
        return _image(text, "--image")
    with registry_client(insecure) as client:
        return pinned_image(client, text)


def _record(run: TestRun, suite: str, stage: str, image: str) -> dict[str, Any]:
    return {
        "suite": suite,
        "stage": stage,
        "image": image,
        "command": list(run.command),
        "passed": run.passed,
        "exitCode": run.exit_code,
        "timedOut": run.timed_out,
        "durationSeconds": round(run.duration, 3),
        "outputDigest": run.output_digest,
    }


def _attest(
    run: TestRun,
    what: tuple[str, str, str],
    signing_key: SigningKey,
    ref: ImageRef,
    store: Path | None,
    insecure: list[str] | None,
) -> str:
    suite, stage, commit = what
    predicate = run.predicate(suite, stage, commit).to_predicate()
    statement = statement_for(ref, PredicateKind.TEST_RESULT.uri, predicate)
    envelope = sign_envelope(statement.to_json(), signing_key)
    try:
        if store is not None:
            where = str(AttestationStore(store).add(ref, PredicateKind.TEST_RESULT, envelope, None))
        else:
            with registry_client(insecure) as client:
                where = RegistryAttestations(client).push(ref, PredicateKind.TEST_RESULT, envelope)
    except AttestError as exc:
        _errors().print(Text(f"error: {exc}"))
        raise typer.Exit(BAD_INPUT_EXIT) from None
    _errors().print(Text(f"Signed test-result attestation for {ref} -> {where}"))
    return where
