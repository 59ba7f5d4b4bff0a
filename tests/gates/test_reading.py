"""Reading Grype and Trivy reports: the fields the gate needs, the image, clear errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from seaway.gates import (
    FixState,
    ReportError,
    ReportFormat,
    Severity,
    detect_format,
    parse_report,
    read_report,
)
from tests.gates.reports import (
    IMAGE,
    IMAGE_ID,
    INDEX_DIGEST,
    MANIFEST_DIGEST,
    grype_match,
    grype_report,
    mixed_grype_report,
    mixed_trivy_report,
    trivy_report,
)


def _error(data: Any, name: str = "grype.json") -> str:
    with pytest.raises(ReportError) as caught:
        parse_report(json.dumps(data), name)
    return str(caught.value)


def test_grype_findings_carry_what_the_gate_reads() -> None:
    report = parse_report(json.dumps(mixed_grype_report()), "grype.json")
    assert report.format is ReportFormat.GRYPE
    assert report.scanner == "grype 0.87.0"
    assert len(report.findings) == 8
    first = report.findings[0]
    assert (first.id, first.severity, first.package, first.version) == (
        "CVE-2024-0001",
        Severity.CRITICAL,
        "openssl",
        "3.0.11-1",
    )
    assert first.fix_state is FixState.FIXED
    assert first.fixed_in == ("3.0.13-1",)
    ghsa = report.findings[2]
    assert ghsa.related_ids == ("CVE-2024-35195",)
    assert ghsa.ids == ("GHSA-abcd-efgh-ijkl", "CVE-2024-35195")
    assert ghsa.package_type == "python"
    states = [finding.fix_state for finding in report.findings]
    assert states[1] is FixState.NOT_FIXED
    assert states[3] is FixState.WONT_FIX
    assert states[5] is FixState.UNKNOWN
    assert [finding.severity for finding in report.findings[-2:]] == [
        Severity.NEGLIGIBLE,
        Severity.UNKNOWN,
    ]


def test_grype_image_identity_prefers_the_repo_digest() -> None:
    report = parse_report(json.dumps(mixed_grype_report()), "grype.json")
    assert report.image is not None
    assert report.image.reference == IMAGE
    assert report.image.digest == INDEX_DIGEST
    assert report.image.image_id == IMAGE_ID
    assert str(report.image) == f"{IMAGE}@{INDEX_DIGEST}"


def test_grype_image_never_pushed_falls_back_to_the_manifest_digest() -> None:
    report = read_report(grype_report([], repo_digests=False), "grype.json")
    assert report.image is not None
    assert report.image.digest == MANIFEST_DIGEST
    assert report.findings == ()


def test_grype_scan_of_a_directory_has_no_digest() -> None:
    data = grype_report([])
    data["source"] = {"type": "directory", "target": "/src"}
    report = read_report(data, "grype.json")
    assert report.image is not None
    assert report.image.reference == "/src"
    assert report.image.digest is None


def test_grype_fields_it_leaves_empty_read_as_unknown() -> None:
    # Grype writes no severity, an empty fix state and null fix versions when its database
    # has no metadata for a vulnerability.
    match = grype_match("CVE-2024-1111", "High", "pkg", "1")
    match["vulnerability"] = {"id": "CVE-2024-1111", "fix": {"versions": None, "state": ""}}
    match["relatedVulnerabilities"] = None
    report = read_report(grype_report([match]), "grype.json")
    finding = report.findings[0]
    assert finding.severity is Severity.UNKNOWN
    assert finding.fix_state is FixState.UNKNOWN
    assert finding.fixed_in == ()
    assert finding.related_ids == ()


def test_grype_severity_case_does_not_matter() -> None:
    report = read_report(grype_report([grype_match("CVE-1", "HIGH", "p", "1")]), "g.json")
    assert report.findings[0].severity is Severity.HIGH


def test_trivy_findings_and_image() -> None:
    report = parse_report(json.dumps(mixed_trivy_report()), "trivy.json")
    assert report.format is ReportFormat.TRIVY
    assert [finding.id for finding in report.findings] == [
        "CVE-2024-0001",
        "CVE-2024-0002",
        "CVE-2024-0003",
        "CVE-2024-35195",
        "CVE-2024-0009",
    ]
    assert [finding.fix_state for finding in report.findings] == [
        FixState.FIXED,
        FixState.NOT_FIXED,
        FixState.WONT_FIX,
        FixState.FIXED,
        FixState.UNKNOWN,
    ]
    assert report.findings[3].fixed_in == ("2.32.0", "2.33.1")
    assert report.findings[3].package_type == "pip"
    assert report.findings[1].related_ids == ("DSA-5678-1",)
    assert report.image is not None
    assert report.image.digest == INDEX_DIGEST
    assert report.image.reference == IMAGE


def test_trivy_report_without_results_is_clean() -> None:
    report = read_report(trivy_report(None), "trivy.json")
    assert report.format is ReportFormat.TRIVY
    assert report.findings == ()


def test_format_is_detected_from_the_document() -> None:
    assert detect_format(mixed_grype_report(), "x") is ReportFormat.GRYPE
    assert detect_format({"matches": []}, "x") is ReportFormat.GRYPE
    assert detect_format(mixed_trivy_report(), "x") is ReportFormat.TRIVY
    assert detect_format({"SchemaVersion": 2}, "x") is ReportFormat.TRIVY


def test_bad_severity_names_file_match_and_field() -> None:
    data = mixed_grype_report()
    data["matches"][3]["vulnerability"]["severity"] = "Severe"
    message = _error(data)
    assert message.startswith(
        "grype.json: matches[3].vulnerability.severity: 'Severe' is not a Grype severity"
    )


def test_bad_fix_state_and_missing_fields_are_all_reported() -> None:
    data = mixed_grype_report()
    data["matches"][0]["vulnerability"]["fix"]["state"] = "patched"
    del data["matches"][5]["artifact"]["name"]
    del data["matches"][6]["vulnerability"]["id"]
    lines = _error(data).splitlines()
    assert lines == [
        "grype.json: matches[0].vulnerability.fix.state: 'patched' is not a Grype fix state; "
        "expected one of fixed, not-fixed, wont-fix, unknown",
        "grype.json: matches[5].artifact.name: Field required",
        "grype.json: matches[6].vulnerability.id: Field required",
    ]


def test_bad_image_target_names_the_field() -> None:
    data = mixed_grype_report()
    data["source"]["target"]["userInput"] = 42
    assert _error(data) == "grype.json: source.target.userInput: Input should be a valid string"


def test_trivy_errors_use_trivy_field_names() -> None:
    data = mixed_trivy_report()
    data["Results"][1]["Vulnerabilities"][0]["Severity"] = "NEGLIGIBLE"
    del data["Results"][0]["Vulnerabilities"][2]["PkgName"]
    lines = _error(data, "trivy.json").splitlines()
    assert lines == [
        "trivy.json: Results[0].Vulnerabilities[2].PkgName: Field required",
        "trivy.json: Results[1].Vulnerabilities[0].Severity: 'NEGLIGIBLE' is not a Trivy "
        "severity; expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "scan.json: not valid JSON: Expecting property name enclosed in double"),
        ("[1, 2]", "scan.json: expected a JSON object (a Grype or Trivy report), found an array"),
        ('"text"', "scan.json: expected a JSON object (a Grype or Trivy report), found a string"),
        ('{"bomFormat": "CycloneDX"}', "scan.json: neither a Grype report"),
        ('{"matches": [], "Results": []}', "scan.json: has both Grype's 'matches'"),
        ('{"matches": {}}', "scan.json: matches: Input should be a valid list"),
    ],
)
def test_input_that_is_no_report(text: str, expected: str) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report(text, "scan.json")
    assert str(caught.value).startswith(expected)


def test_not_utf8() -> None:
    with pytest.raises(ReportError, match=r"^scan\.json: not"):
        parse_report(b"\xff\xfe\x00{", "scan.json")


def test_many_problems_are_capped() -> None:
    data = grype_report([{"artifact": {"name": "p"}} for _ in range(30)])
    lines = _error(data).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "grype.json: ... and 10 more"
