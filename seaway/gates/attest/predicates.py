"""The predicates Seaway writes and checks: test results, vulnerability scans, approvals.

Pure. Each is a Pydantic model because a predicate arrives from outside twice: from the user
(`seaway attest --predicate FILE`) before it is signed, and from an attestation being verified.
The scan predicate is in-toto's vulns v0.2 shape. A GateResult carries neither the scanner's
database version nor when the scan ran, so `scanner.db` and `metadata` are left out rather than
guessed; each finding's annotations record what the signing gate decided about it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from seaway.gates.evaluate import GateResult
from seaway.gates.findings import Finding, ReportFormat, ScanReport
from seaway.gates.severity import Severity

TEST_RESULT_TYPE = "https://seaway.dev/attestations/test-result/v1"
APPROVAL_TYPE = "https://seaway.dev/attestations/approval/v1"
VULNS_TYPE = "https://in-toto.io/attestation/vulns/v0.2"

# Annotation keys on a scan finding; namespaced so they never clash with a scanner's own.
COUNTED = "seaway.dev/counted"
NOT_COUNTED_BECAUSE = "seaway.dev/notCountedBecause"


class PredicateKind(StrEnum):
    TEST_RESULT = "test-result"
    SCAN = "scan"
    APPROVAL = "approval"

    @property
    def uri(self) -> str:
        return _URIS[self]

    @classmethod
    def from_name(cls, text: str) -> PredicateKind | None:
        """A short name ("scan") or a predicate type URI; None when Seaway knows neither."""
        for kind in cls:
            if text in (kind.value, kind.uri):
                return kind
        return None


_URIS = {
    PredicateKind.TEST_RESULT: TEST_RESULT_TYPE,
    PredicateKind.SCAN: VULNS_TYPE,
    PredicateKind.APPROVAL: APPROVAL_TYPE,
}


def known_types() -> str:
    return ", ".join(f"{kind.value} ({kind.uri})" for kind in PredicateKind)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_predicate(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class TestResult(_Model):
    """One test suite's outcome for one build of an image."""

    __test__ = False  # not a pytest test class, whatever its name

    suite: str = Field(min_length=1)
    passed: bool
    # How many tests failed; a passing suite has none.
    failed: int = Field(0, ge=0)
    command: str = ""
    commit: str = ""
    # Recorded by `seaway gate test`: the stage tested in, how long it ran, whether the
    # timeout stopped it, and the sha256 of its output (the log itself stays with CI).
    stage: str | None = None
    duration_seconds: float | None = Field(None, alias="durationSeconds", ge=0)
    timed_out: bool | None = Field(None, alias="timedOut")
    output_digest: str | None = Field(None, alias="outputDigest", pattern=r"^sha256:[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _consistent(self) -> TestResult:
        if self.passed and self.failed:
            raise ValueError(f"passed is true but failed is {self.failed}")
        return self

    def summary(self) -> str:
        if self.passed:
            outcome = "passed"
        elif self.timed_out:
            outcome = "failed (timed out)"
        else:
            outcome = f"failed ({self.failed} failed)"
        at = f" at commit {self.commit[:12]}" if self.commit else ""
        return f"suite {self.suite} {outcome}{at}"


class Approval(_Model):
    """A person's approval of an image for one stage. Who approved is vouched for by the key."""

    approver: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    approved_at: datetime = Field(alias="approvedAt")
    comment: str = ""

    @field_validator("approved_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2025-05-01T12:00:00Z)")
        return value

    def summary(self) -> str:
        return f"approved by {self.approver} for {self.stage} at {self.approved_at.isoformat()}"


class SeverityScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: str
    score: str


class VulnResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    severity: list[SeverityScore]
    annotations: dict[str, Any] | list[dict[str, Any]] | None = None

    def severity_level(self) -> Severity:
        for score in self.severity:
            level = Severity.from_name(score.score)
            if level is not None:
                return level
        return Severity.UNKNOWN

    def counted(self) -> bool:
        """False only when the signing gate said so (allowed, or no fix under only-fixed)."""
        notes = self.annotations if isinstance(self.annotations, list) else [self.annotations]
        return not any(isinstance(n, dict) and n.get(COUNTED) is False for n in notes)


class ScannerDb(BaseModel):
    model_config = ConfigDict(frozen=True)

    uri: str | None = None
    version: str | None = None
    last_update: str | None = Field(None, alias="lastUpdate")


class Scanner(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    uri: str
    version: str | None = None
    db: ScannerDb | None = None
    result: list[VulnResult]


class Vulns(_Model):
    """in-toto's vulns v0.2 predicate; other producers' extra fields are tolerated."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    scanner: Scanner
    metadata: dict[str, Any] | None = None

    def at_or_above(self, threshold: Severity) -> list[VulnResult]:
        return [
            item
            for item in self.scanner.result
            if item.counted() and item.severity_level().at_least(threshold)
        ]

    def summary(self) -> str:
        found = len(self.scanner.result)
        version = f" {self.scanner.version}" if self.scanner.version else ""
        return f"{found} finding{'' if found == 1 else 's'} from {self.scanner.uri}{version}"


PREDICATE_MODELS: dict[PredicateKind, type[TestResult | Approval | Vulns]] = {
    PredicateKind.TEST_RESULT: TestResult,
    PredicateKind.SCAN: Vulns,
    PredicateKind.APPROVAL: Approval,
}

_SCANNER_PURLS = {
    ReportFormat.GRYPE: "pkg:github/anchore/grype",
    ReportFormat.TRIVY: "pkg:github/aquasecurity/trivy",
}


def scan_predicate(report: ScanReport, result: GateResult) -> Vulns:
    """Every finding of the report, each annotated with whether the gate counted it."""
    allowed = set(result.allowed)
    unfixed = set(result.unfixed)
    _, _, version = result.scanner.partition(" ")
    uri = _SCANNER_PURLS[report.format] + (f"@{version}" if version else "")
    return Vulns(
        scanner=Scanner(
            uri=uri,
            version=version or None,
            result=[_vuln_result(report, f, allowed, unfixed) for f in report.findings],
        )
    )


def _vuln_result(
    report: ScanReport, finding: Finding, allowed: set[Finding], unfixed: set[Finding]
) -> VulnResult:
    annotations: dict[str, Any] = {
        "package": finding.package,
        "version": finding.version,
        "type": finding.package_type,
        "fixState": finding.fix_state.value,
        "fixedIn": list(finding.fixed_in),
        COUNTED: finding not in allowed and finding not in unfixed,
    }
    if finding.related_ids:
        annotations["relatedIds"] = list(finding.related_ids)
    if finding in allowed:
        annotations[NOT_COUNTED_BECAUSE] = "allowed"
    elif finding in unfixed:
        annotations[NOT_COUNTED_BECAUSE] = "no fix available"
    return VulnResult(
        id=finding.id,
        severity=[SeverityScore(method=report.format.value, score=finding.severity.value)],
        annotations=annotations,
    )
