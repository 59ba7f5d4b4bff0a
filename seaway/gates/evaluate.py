"""The vulnerability gate's decision: pure, from a read report and a policy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from seaway.gates.findings import Finding, ImageIdentity, ScanReport
from seaway.gates.policy import ScanPolicy
from seaway.gates.severity import SEVERITIES_HIGH_TO_LOW, Severity


@dataclass(frozen=True)
class SeverityCount:
    severity: Severity
    # Every finding of this severity in the report.
    total: int
    # Those left after the policy's allow list and only-fixed rule.
    counted: int


@dataclass(frozen=True)
class GateResult:
    passed: bool
    fail_on: Severity
    only_fixed: bool
    image: ImageIdentity | None
    scanner: str
    # One row per severity, highest first, zeros included.
    counts: tuple[SeverityCount, ...]
    # The findings that fail the gate, worst first.
    failing: tuple[Finding, ...]
    # Findings the allow list let through, and those not counted for want of a fix.
    allowed: tuple[Finding, ...]
    unfixed: tuple[Finding, ...]
    # Allow-list entries that matched nothing: often a typo, or an exception that can go.
    unused_allow: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failOn": self.fail_on.value,
            "onlyFixed": self.only_fixed,
            "scanner": self.scanner,
            "image": _image_dict(self.image),
            "counts": {
                count.severity.value: {"total": count.total, "counted": count.counted}
                for count in self.counts
            },
            "failing": [_finding_dict(finding) for finding in self.failing],
            "allowed": [finding.id for finding in self.allowed],
            "notCountedUnfixed": len(self.unfixed),
            "unusedAllow": list(self.unused_allow),
        }


def evaluate(report: ScanReport, policy: ScanPolicy) -> GateResult:
    allowed: list[Finding] = []
    unfixed: list[Finding] = []
    counted: list[Finding] = []
    used_allow: set[str] = set()
    for finding in report.findings:
        matched = policy.allows(finding.ids)
        if matched:
            used_allow |= matched
            allowed.append(finding)
        elif policy.only_fixed and not finding.fixable:
            unfixed.append(finding)
        else:
            counted.append(finding)

    totals = Counter(finding.severity for finding in report.findings)
    counted_by_severity = Counter(finding.severity for finding in counted)
    failing = sorted(
        (finding for finding in counted if finding.severity.at_least(policy.fail_on)),
        key=lambda f: (-f.severity.rank, f.id, f.package, f.version),
    )
    return GateResult(
        passed=not failing,
        fail_on=policy.fail_on,
        only_fixed=policy.only_fixed,
        image=report.image,
        scanner=report.scanner,
        counts=tuple(
            SeverityCount(severity, totals[severity], counted_by_severity[severity])
            for severity in SEVERITIES_HIGH_TO_LOW
        ),
        failing=tuple(failing),
        allowed=tuple(allowed),
        unfixed=tuple(unfixed),
        unused_allow=tuple(sorted(policy.allow - used_allow)),
    )


def _image_dict(image: ImageIdentity | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {
        "reference": image.reference,
        "digest": image.digest,
        "repoDigests": list(image.repo_digests),
        "imageID": image.image_id,
    }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "relatedIds": list(finding.related_ids),
        "severity": finding.severity.value,
        "package": finding.package,
        "version": finding.version,
        "type": finding.package_type,
        "fixState": finding.fix_state.value,
        "fixedIn": list(finding.fixed_in),
    }
