"""Binary authorization: may this image (by digest) enter this stage? Pure, offline.

Each attestation counts only when a signature verifies with a key the stage trusts (over DSSE's
PAE), its payload is an in-toto statement about this very digest, and its predicate type is one
Seaway knows and its predicate reads as that type. A stage is allowed when every rule is met by
at least one such attestation signed by a key that rule trusts. Attestations that do not count
are reported as problems, so a tampered or foreign file is never silently ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from seaway.gates.attest.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, parse_envelope
from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.keys import SHORT_ID
from seaway.gates.attest.policy import Policy, Rule, TrustedKey
from seaway.gates.attest.predicates import (
    PREDICATE_MODELS,
    Approval,
    PredicateKind,
    TestResult,
    Vulns,
    known_types,
)
from seaway.gates.attest.statement import ImageRef, Statement, parse_statement
from seaway.gates.errors import validation_problems

# How many failing findings a refusal names before it says "and N more".
_SHOWN_FINDINGS = 5


@dataclass(frozen=True)
class Attestation:
    """An attestation as read: the bytes of a DSSE envelope and where they came from."""

    source: str
    data: bytes


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    stage: str
    digest: str
    satisfied: tuple[str, ...]
    missing: tuple[str, ...]
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "stage": self.stage,
            "digest": self.digest,
            "satisfied": list(self.satisfied),
            "missing": list(self.missing),
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class _Accepted:
    source: str
    kind: PredicateKind
    predicate: TestResult | Approval | Vulns
    signers: tuple[TrustedKey, ...]


def verify(
    image: ImageRef,
    attestations: Sequence[Attestation],
    policy: Policy,
    stage: str,
    now: datetime | None = None,
) -> Verdict:
    """Raises AttestError only when `stage` is not in the policy: bad input, not a refusal."""
    rules = policy.stage(stage)
    at = now or datetime.now(UTC)
    problems: list[str] = []
    accepted = [
        found
        for attestation in attestations
        if (
            found := _accept(
                attestation, image=image, keys=rules.keys(), stage=stage, now=at, problems=problems
            )
        )
        is not None
    ]
    satisfied: list[str] = []
    missing: list[str] = []
    for rule in rules.rules:
        met, reasons = _check_rule(rule, accepted, stage)
        if met is not None:
            satisfied.append(met)
        elif reasons:
            missing.extend(reasons)
        else:
            missing.append(
                f"no {rule.kind.value} attestation for {image.digest} signed by a trusted key"
                f" ({_key_list(rule.keys)})"
            )
    return Verdict(
        allowed=not missing,
        stage=stage,
        digest=image.digest,
        satisfied=tuple(satisfied),
        missing=tuple(missing),
        problems=tuple(problems),
    )


def _accept(
    attestation: Attestation,
    *,
    image: ImageRef,
    keys: tuple[TrustedKey, ...],
    stage: str,
    now: datetime,
    problems: list[str],
) -> _Accepted | None:
    source = attestation.source
    try:
        envelope = parse_envelope(attestation.data, source)
    except AttestError as exc:
        problems.extend(str(exc).splitlines())
        return None
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE:
        problems.append(
            f"{source}: payloadType is {envelope.payload_type!r}, not {IN_TOTO_PAYLOAD_TYPE!r}"
        )
        return None
    signers = _signers(envelope, keys=keys, stage=stage, now=now, source=source, problems=problems)
    if not signers:
        return None
    # Only a payload a trusted key signed is read at all.
    try:
        statement = parse_statement(envelope.payload, source)
    except AttestError as exc:
        problems.extend(str(exc).splitlines())
        return None
    kind = PredicateKind.from_name(statement.predicate_type)
    if kind is None:
        problems.append(
            f"{source}: unknown predicate type {statement.predicate_type!r}; known: {known_types()}"
        )
        return None
    if image.sha256 not in statement.sha256_digests():
        problems.append(
            f"{source}: the {kind.value} attestation is for {_subjects(statement)}, "
            f"not {image.digest}"
        )
        return None
    try:
        predicate = PREDICATE_MODELS[kind].model_validate(statement.predicate)
    except ValidationError as exc:
        problems.extend(
            f"{source}: payload.predicate.{problem}" for problem in validation_problems(exc)
        )
        return None
    return _Accepted(source, kind, predicate, signers)


def _signers(
    envelope: Envelope,
    *,
    keys: tuple[TrustedKey, ...],
    stage: str,
    now: datetime,
    source: str,
    problems: list[str],
) -> tuple[TrustedKey, ...]:
    by_id = {trusted.key.keyid: trusted for trusted in keys}
    message = envelope.signed_bytes()
    signers: dict[str, TrustedKey] = {}
    for signature in envelope.signatures:
        hinted = by_id.get(signature.keyid)
        # The key id is an unauthenticated hint: it narrows the keys to try, nothing more.
        candidates = (hinted,) if hinted is not None else keys
        signer = next((t for t in candidates if t.key.verify(signature.sig, message)), None)
        if signer is None:
            if hinted is not None:
                problems.append(
                    f"{source}: signature by key {hinted.key.short_id} does not verify: "
                    "the payload or the signature was modified after signing"
                )
            elif signature.keyid:
                problems.append(
                    f"{source}: signed by key {signature.keyid[:SHORT_ID]}, "
                    f"which stage {stage} does not trust"
                )
            else:
                problems.append(
                    f"{source}: a signature without a key id verifies with no key "
                    f"stage {stage} trusts"
                )
            continue
        if signer.expired(now):
            expires = signer.expires.isoformat() if signer.expires else ""
            problems.append(
                f"{source}: signature by key {signer.key.short_id} verifies, "
                f"but the key expired at {expires}"
            )
            continue
        signers[signer.key.keyid] = signer
    return tuple(signers.values())


def _check_rule(rule: Rule, accepted: list[_Accepted], stage: str) -> tuple[str | None, list[str]]:
    """(what satisfies the rule, None) or (None, why each candidate falls short)."""
    trusted = {t.key.keyid for t in rule.keys}
    reasons = []
    for found in accepted:
        signer = next((s for s in found.signers if s.key.keyid in trusted), None)
        if found.kind is not rule.kind or signer is None:
            continue
        why_not = _condition_fails(rule, found.predicate, stage)
        if why_not is None:
            summary = found.predicate.summary()
            return (
                f"{rule.kind.value}: {summary} ({found.source}, signed by key "
                f"{signer.key.short_id})",
                [],
            )
        reasons.append(f"{rule.kind.value} attestation {found.source} does not pass: {why_not}")
    return None, reasons


def _condition_fails(
    rule: Rule, predicate: TestResult | Approval | Vulns, stage: str
) -> str | None:
    if isinstance(predicate, TestResult):
        if rule.passed is not None and predicate.passed is not rule.passed:
            return f"passed is {str(predicate.passed).lower()} ({predicate.summary()})"
    elif isinstance(predicate, Approval):
        if predicate.stage != stage:
            return f"approved for stage {predicate.stage}, not {stage}"
        if rule.approvers is not None and predicate.approver not in rule.approvers:
            names = ", ".join(sorted(rule.approvers))
            return f"approved by {predicate.approver}, who is not one of {names}"
    elif rule.fail_on is not None:
        failing = predicate.at_or_above(rule.fail_on)
        if failing:
            shown = ", ".join(
                f"{item.id} ({item.severity_level().value})" for item in failing[:_SHOWN_FINDINGS]
            )
            more = len(failing) - _SHOWN_FINDINGS
            tail = f" and {more} more" if more > 0 else ""
            count = len(failing)
            return (
                f"{count} finding{'' if count == 1 else 's'} at {rule.fail_on.value} or above: "
                f"{shown}{tail}"
            )
    return None


def _subjects(statement: Statement) -> str:
    digests = [f"sha256:{d}" for d in statement.sha256_digests()]
    return ", ".join(digests) or "no sha256 subject"


def _key_list(keys: tuple[TrustedKey, ...]) -> str:
    ids = ", ".join(t.key.short_id for t in keys)
    return f"trusted: {ids}" if ids else "no key trusted"
