"""The gate's decision: thresholds, only-fixed, allow lists, counts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from seaway.gates import ScanPolicy, Severity, evaluate, read_report
from seaway.gates.findings import ScanReport
from tests.gates.reports import (
    INDEX_DIGEST,
    grype_match,
    grype_report,
    mixed_grype_report,
    mixed_trivy_report,
)


@pytest.fixture
def report() -> ScanReport:
    return read_report(mixed_grype_report(), "grype.json")


def _failing_ids(report: ScanReport, policy: ScanPolicy) -> list[str]:
    return [finding.id for finding in evaluate(report, policy).failing]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ("critical", ["CVE-2024-0001", "CVE-2024-0002"]),
        ("high", ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0004", "GHSA-abcd-efgh-ijkl"]),
        (
            "medium",
            [
                "CVE-2024-0001",
                "CVE-2024-0002",
                "CVE-2024-0004",
                "GHSA-abcd-efgh-ijkl",
                "CVE-2024-0005",
            ],
        ),
        (
            "low",
            [
                "CVE-2024-0001",
                "CVE-2024-0002",
                "CVE-2024-0004",
                "GHSA-abcd-efgh-ijkl",
                "CVE-2024-0005",
                "CVE-2024-0006",
            ],
        ),
    ],
)
def test_every_threshold_fails_on_its_severity_and_worse(
    report: ScanReport, threshold: str, expected: list[str]
) -> None:
    result = evaluate(report, ScanPolicy(fail_on=threshold))
    assert not result.passed
    # Worst first, then by id.
    assert [finding.id for finding in result.failing] == expected


def test_negligible_and_unknown_never_fail_a_low_threshold(report: ScanReport) -> None:
    failing = _failing_ids(report, ScanPolicy(fail_on="low"))
    assert "CVE-2024-0007" not in failing
    assert "CVE-2024-0008" not in failing


def test_clean_report_passes() -> None:
    result = evaluate(read_report(grype_report([]), "g"), ScanPolicy(fail_on="low"))
    assert result.passed
    assert result.failing == ()
    assert all(count.total == 0 for count in result.counts)


def test_below_threshold_passes() -> None:
    data = grype_report([grype_match("CVE-1", "Medium", "p", "1")])
    assert evaluate(read_report(data, "g"), ScanPolicy(fail_on="high")).passed


def test_only_fixed_counts_only_what_a_fix_exists_for(report: ScanReport) -> None:
    result = evaluate(report, ScanPolicy(fail_on="high", only_fixed=True))
    assert [finding.id for finding in result.failing] == [
        "CVE-2024-0001",
        "GHSA-abcd-efgh-ijkl",
    ]
    # not-fixed, wont-fix, unknown, not-fixed: not counted.
    assert sorted(finding.id for finding in result.unfixed) == [
        "CVE-2024-0002",
        "CVE-2024-0004",
        "CVE-2024-0006",
        "CVE-2024-0007",
    ]
    counts = {count.severity: (count.total, count.counted) for count in result.counts}
    assert counts[Severity.CRITICAL] == (2, 1)
    assert counts[Severity.HIGH] == (2, 1)
    assert counts[Severity.UNKNOWN] == (1, 1)


def test_only_fixed_can_turn_a_failure_into_a_pass() -> None:
    data = grype_report([grype_match("CVE-1", "Critical", "p", "1", fix_state="not-fixed")])
    scan = read_report(data, "g")
    assert not evaluate(scan, ScanPolicy(fail_on="critical")).passed
    assert evaluate(scan, ScanPolicy(fail_on="critical", only_fixed=True)).passed


def test_allow_by_own_id_and_by_related_id(report: ScanReport) -> None:
    policy = ScanPolicy(fail_on="high", allow={"CVE-2024-0004", "cve-2024-35195"})
    result = evaluate(report, policy)
    assert [finding.id for finding in result.failing] == ["CVE-2024-0001", "CVE-2024-0002"]
    assert sorted(finding.id for finding in result.allowed) == [
        "CVE-2024-0004",
        "GHSA-abcd-efgh-ijkl",
    ]
    assert result.unused_allow == ()
    counts = {count.severity: (count.total, count.counted) for count in result.counts}
    assert counts[Severity.HIGH] == (2, 0)


def test_allowing_every_failure_passes(report: ScanReport) -> None:
    policy = ScanPolicy(
        fail_on="critical", allow=frozenset({"CVE-2024-0001", "CVE-2024-0002", "CVE-1999-0001"})
    )
    result = evaluate(report, policy)
    assert result.passed
    assert result.unused_allow == ("CVE-1999-0001",)


def test_counts_are_by_severity_highest_first(report: ScanReport) -> None:
    result = evaluate(report, ScanPolicy(fail_on="critical"))
    assert [(c.severity.value, c.total, c.counted) for c in result.counts] == [
        ("critical", 2, 2),
        ("high", 2, 2),
        ("medium", 1, 1),
        ("low", 1, 1),
        ("negligible", 1, 1),
        ("unknown", 1, 1),
    ]


def test_result_as_json(report: ScanReport) -> None:
    data = evaluate(report, ScanPolicy(fail_on="critical", allow={"CVE-2024-0002"})).to_dict()
    assert data["passed"] is False
    assert data["failOn"] == "critical"
    assert data["image"]["digest"] == INDEX_DIGEST
    assert data["counts"]["critical"] == {"total": 2, "counted": 1}
    assert data["failing"] == [
        {
            "id": "CVE-2024-0001",
            "relatedIds": [],
            "severity": "critical",
            "package": "openssl",
            "version": "3.0.11-1",
            "type": "deb",
            "fixState": "fixed",
            "fixedIn": ["3.0.13-1"],
        }
    ]
    assert data["allowed"] == ["CVE-2024-0002"]


def test_trivy_report_through_the_same_gate() -> None:
    scan = read_report(mixed_trivy_report(), "trivy.json")
    assert [f.id for f in evaluate(scan, ScanPolicy(fail_on="high")).failing] == [
        "CVE-2024-0001",
        "CVE-2024-0002",
    ]
    only_fixed = evaluate(scan, ScanPolicy(fail_on="low", only_fixed=True))
    assert [f.id for f in only_fixed.failing] == ["CVE-2024-0001", "CVE-2024-35195"]
    # Trivy's vendor ids count as related ids for the allow list.
    allowed = evaluate(scan, ScanPolicy(fail_on="high", allow={"DSA-5678-1"}))
    assert [f.id for f in allowed.failing] == ["CVE-2024-0001"]


def test_policy_rejects_what_is_not_a_policy() -> None:
    with pytest.raises(ValidationError, match="'severe' is not a severity"):
        ScanPolicy(fail_on="severe")
    with pytest.raises(ValidationError, match="cannot be empty"):
        ScanPolicy(fail_on="high", allow={" "})
    assert ScanPolicy.model_validate({"failOn": "High", "onlyFixed": True}).only_fixed
