"""Run the planned steps on this machine, each through the part of Seaway that does that job.

Tests run through the test gate's runner, the image goes through the registry client, the report
through the scan gate, the attestations through the signer and the registry store, the digest
through the image write-back. The first step to fail raises StepFailedError and nothing after it
runs. Private key material and Git tokens are never put in a message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seaway.ci.image import BuildError, build_and_push
from seaway.ci.plan import ScanSource, Step, StepKind
from seaway.gates import (
    GateResult,
    ReportError,
    ScanPolicy,
    ScanReport,
    Severity,
    evaluate,
    parse_report,
)
from seaway.gates.attest import (
    AttestError,
    ImageRef,
    PredicateKind,
    RegistryAttestations,
    SigningKey,
    scan_predicate,
    sign_envelope,
    statement_for,
)
from seaway.gates.testrun import TestRun, run_test_command
from seaway.model.ci import CiConfig
from seaway.promote.writeback import (
    Author,
    BadInputError,
    WriteBack,
    WriteBackError,
    parse_image_ref,
    write_back,
)
from seaway.registry import RegistryClient, RegistryError, parse_reference
from seaway.source import Credentials, SourceError

GRYPE_TIMEOUT = 1800


class StepFailedError(Exception):
    def __init__(self, step: Step, message: str) -> None:
        super().__init__(f"{step.kind.value}: {message}")
        self.step = step
        self.message = message


@dataclass(frozen=True)
class Event:
    step: Step
    state: str  # "start", "done" or "failed"
    detail: str = ""


@dataclass
class Context:
    """What one run works with; the registry client and the key are opened by the caller."""

    config: CiConfig
    root: Path
    commit: str
    image: str
    scan: ScanSource
    key: SigningKey
    client: RegistryClient
    author: Author
    credentials: Credentials | None = None
    echo: Callable[[bytes], None] | None = None


@dataclass
class Outcome:
    """What the run produced, filled in step by step."""

    test: TestRun | None = None
    pinned: str = ""
    report: ScanReport | None = None
    gate: GateResult | None = None
    attestations: list[str] = field(default_factory=list)
    commit: str | None = None


def run_steps(steps: list[Step], ctx: Context, report: Callable[[Event], None]) -> Outcome:
    outcome = Outcome()
    for step in steps:
        report(Event(step, "start"))
        try:
            detail = _STEPS[step.kind](step, ctx, outcome)
        except StepFailedError as exc:
            report(Event(step, "failed", exc.message))
            raise
        report(Event(step, "done", detail))
    return outcome


def _test(step: Step, ctx: Context, outcome: Outcome) -> str:
    command = ctx.config.test.command
    try:
        run = run_test_command(command, ctx.config.test.timeout, echo=ctx.echo, cwd=ctx.root)
    except OSError as exc:
        raise StepFailedError(step, f"{command[0]}: cannot run: {exc.strerror or exc}") from None
    outcome.test = run
    if not run.passed:
        raise StepFailedError(step, f"{ctx.config.test.suite} tests {run.describe()}")
    return f"{ctx.config.test.suite} tests {run.describe()}"


def _build(step: Step, ctx: Context, outcome: Outcome) -> str:
    try:
        reference = parse_reference(ctx.image)
        built = build_and_push(
            ctx.client, reference, ctx.root, ctx.config.image.files, ctx.config.image.prefix
        )
    except (ValueError, BuildError) as exc:
        raise StepFailedError(step, str(exc)) from None
    except RegistryError as exc:
        raise StepFailedError(step, f"push to {reference.registry} failed: {exc}") from None
    outcome.pinned = f"{reference.name}@{built.digest}"
    return f"pushed {ctx.image} ({built.files} files) = {outcome.pinned}"


def _scan(step: Step, ctx: Context, outcome: Outcome) -> str:
    if ctx.scan.report is not None:
        source = ctx.scan.report
        try:
            text = Path(source).read_bytes()
        except OSError as exc:
            raise StepFailedError(step, f"{source}: cannot read: {exc.strerror or exc}") from None
    else:
        source = f"grype {outcome.pinned}"
        text = _grype(step, ctx, outcome.pinned)
    try:
        scanned = parse_report(text, source)
    except ReportError as exc:
        raise StepFailedError(step, str(exc)) from None
    scan = ctx.config.scan
    policy = ScanPolicy(
        fail_on=Severity(scan.fail_on), only_fixed=scan.only_fixed, allow=frozenset(scan.allow)
    )
    result = evaluate(scanned, policy)
    outcome.report, outcome.gate = scanned, result
    label = ctx.scan.describe() + _about(scanned, outcome.pinned)
    if not result.passed:
        ids = ", ".join(sorted({finding.id for finding in result.failing}))
        raise StepFailedError(
            step,
            f"{len(result.failing)} vulnerabilities at {scan.fail_on} or above ({ids}); "
            f"from {label}",
        )
    return f"passed: nothing counted at {scan.fail_on} or above; from {label}"


def _about(scanned: ScanReport, pinned: str) -> str:
    if scanned.image is None:
        return ""
    digest = scanned.image.digest
    if digest is not None and digest != pinned.rpartition("@")[2]:
        # Said, not refused: a supplied report is the stand-in where no scanner can run.
        return f"; warning: the report is about {scanned.image}, not the image built here"
    return f" about {scanned.image}"


def _grype(step: Step, ctx: Context, pinned: str) -> bytes:
    grype = ctx.scan.grype or shutil.which("grype")
    if grype is None:
        raise StepFailedError(step, "grype is not on PATH; give --scan-report FILE")
    env = dict(os.environ)
    if parse_reference(pinned).registry in ctx.client.insecure:
        env["GRYPE_REGISTRY_INSECURE_USE_HTTP"] = "true"
    try:
        done = subprocess.run(
            [grype, f"registry:{pinned}", "-o", "json"],
            capture_output=True,
            env=env,
            timeout=GRYPE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StepFailedError(step, f"grype did not run: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise StepFailedError(step, f"grype exited {done.returncode}: {' '.join(tail)}")
    return done.stdout


def _attest(step: Step, ctx: Context, outcome: Outcome) -> str:
    if outcome.test is None or outcome.report is None or outcome.gate is None:
        raise StepFailedError(step, "the test and scan steps must run first")
    reference = parse_reference(outcome.pinned)
    image = ImageRef(reference.name, reference.digest.removeprefix("sha256:"))
    deploy = ctx.config.deploy
    predicates = {
        PredicateKind.TEST_RESULT: outcome.test.predicate(
            ctx.config.test.suite, deploy.stage, ctx.commit
        ).to_predicate(),
        PredicateKind.SCAN: scan_predicate(outcome.report, outcome.gate).to_predicate(),
    }
    store = RegistryAttestations(ctx.client)
    for kind, predicate in predicates.items():
        envelope = sign_envelope(statement_for(image, kind.uri, predicate).to_json(), ctx.key)
        try:
            outcome.attestations.append(store.push(image, kind, envelope))
        except AttestError as exc:
            raise StepFailedError(step, str(exc)) from None
    return (
        "signed test-result and vulns attestations with "
        f"{ctx.key.algorithm.value} key {ctx.key.public.short_id} -> {outcome.attestations[-1]}"
    )


def _repo_url(value: str, root: Path) -> str:
    if "://" in value or value.startswith("git@"):
        return value
    return str((root / value).resolve())


def _deploy(step: Step, ctx: Context, outcome: Outcome) -> str:
    deploy = ctx.config.deploy
    try:
        request = WriteBack(
            url=_repo_url(deploy.repo, ctx.root),
            branch=deploy.branch,
            path=deploy.path.strip("/") or ".",
            ref=parse_image_ref(outcome.pinned),
            author=ctx.author,
            credentials=ctx.credentials,
        )
        done = write_back(request)
    except (BadInputError, WriteBackError, SourceError) as exc:
        raise StepFailedError(step, str(exc)) from None
    outcome.commit = done.commit
    if done.commit is None:
        return f"{outcome.pinned} is already set in {deploy.stage}; nothing to commit"
    return f"pushed {done.commit[:12]} to {deploy.branch}: {done.message}"


_STEPS: dict[StepKind, Callable[[Step, Context, Outcome], str]] = {
    StepKind.TEST: _test,
    StepKind.BUILD: _build,
    StepKind.SCAN: _scan,
    StepKind.ATTEST: _attest,
    StepKind.DEPLOY: _deploy,
}
