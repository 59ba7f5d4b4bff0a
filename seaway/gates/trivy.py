"""Trivy's JSON report (`trivy image -f json`, schema version 2), as users hand it to the gate.

Only the fields the gate reads are declared, with Trivy's own names; the rest is ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from seaway.gates.errors import ReportError, validation_problems
from seaway.gates.findings import Finding, ImageIdentity, ReportFormat, ScanReport, digest_of
from seaway.gates.severity import FixState, Severity

_TRIVY_SEVERITIES = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.UNKNOWN,
)
_SEVERITY_NAMES = ", ".join(severity.value.upper() for severity in _TRIVY_SEVERITIES)

# Trivy's statuses (from its vulnerability database) on Grype's fix states. Trivy reads any
# other spelling as "unknown", and so does the gate.
_STATUS_FIX_STATES = {
    "fixed": FixState.FIXED,
    "affected": FixState.NOT_FIXED,
    "under_investigation": FixState.NOT_FIXED,
    "fix_deferred": FixState.NOT_FIXED,
    "will_not_fix": FixState.WONT_FIX,
    "end_of_life": FixState.WONT_FIX,
}


class _TrivyModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class TrivyVulnerability(_TrivyModel):
    vulnerability_id: str = Field(alias="VulnerabilityID")
    vendor_ids: list[str] = Field(default_factory=list, alias="VendorIDs")
    pkg_name: str = Field(alias="PkgName")
    pkg_path: str = Field("", alias="PkgPath")
    installed_version: str = Field("", alias="InstalledVersion")
    fixed_version: str = Field("", alias="FixedVersion")
    status: str = Field("", alias="Status")
    severity: Severity = Field(Severity.UNKNOWN, alias="Severity")

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        if value is None or value == "":
            return Severity.UNKNOWN
        if isinstance(value, str):
            severity = Severity.from_name(value)
            if severity is None or severity not in _TRIVY_SEVERITIES:
                raise ValueError(
                    f"{value!r} is not a Trivy severity; expected one of {_SEVERITY_NAMES}"
                )
            return severity
        return value

    @field_validator("vendor_ids", mode="before")
    @classmethod
    def _vendor_ids(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def fixed_in(self) -> tuple[str, ...]:
        # Trivy joins several fixed versions with ", " in one string.
        return tuple(part.strip() for part in self.fixed_version.split(",") if part.strip())

    @property
    def fix_state(self) -> FixState:
        state = _STATUS_FIX_STATES.get(self.status)
        if state is not None:
            return state
        # Reports from before Trivy wrote a status say a fix exists only by naming its version.
        return FixState.FIXED if self.fixed_in else FixState.UNKNOWN


class TrivyResult(_TrivyModel):
    target: str = Field("", alias="Target")
    result_class: str = Field("", alias="Class")
    type: str = Field("", alias="Type")
    vulnerabilities: list[TrivyVulnerability] = Field(default_factory=list, alias="Vulnerabilities")

    @field_validator("vulnerabilities", mode="before")
    @classmethod
    def _vulnerabilities(cls, value: object) -> object:
        return [] if value is None else value


class TrivyMetadata(_TrivyModel):
    image_id: str = Field("", alias="ImageID")
    repo_tags: list[str] = Field(default_factory=list, alias="RepoTags")
    repo_digests: list[str] = Field(default_factory=list, alias="RepoDigests")

    @field_validator("repo_tags", "repo_digests", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return [] if value is None else value


class TrivyReport(_TrivyModel):
    schema_version: int | None = Field(None, alias="SchemaVersion")
    artifact_name: str = Field("", alias="ArtifactName")
    artifact_type: str = Field("", alias="ArtifactType")
    metadata: TrivyMetadata = Field(default_factory=TrivyMetadata, alias="Metadata")
    # Trivy leaves Results out when it found nothing to report.
    results: list[TrivyResult] = Field(default_factory=list, alias="Results")

    @field_validator("results", mode="before")
    @classmethod
    def _results(cls, value: object) -> object:
        return [] if value is None else value


def parse_trivy(data: Any, source_name: str) -> TrivyReport:
    try:
        return TrivyReport.model_validate(data)
    except ValidationError as exc:
        raise ReportError(source_name, validation_problems(exc)) from None


def trivy_scan_report(report: TrivyReport) -> ScanReport:
    findings = tuple(
        Finding(
            id=vulnerability.vulnerability_id,
            severity=vulnerability.severity,
            package=vulnerability.pkg_name,
            version=vulnerability.installed_version,
            package_type=result.type,
            fix_state=vulnerability.fix_state,
            fixed_in=vulnerability.fixed_in,
            related_ids=tuple(
                dict.fromkeys(
                    vendor_id
                    for vendor_id in vulnerability.vendor_ids
                    if vendor_id != vulnerability.vulnerability_id
                )
            ),
        )
        for result in report.results
        for vulnerability in result.vulnerabilities
    )
    return ScanReport(
        format=ReportFormat.TRIVY,
        # Trivy does not name itself or its version in its JSON report.
        scanner="trivy",
        image=_image(report),
        findings=findings,
    )


def _image(report: TrivyReport) -> ImageIdentity | None:
    if not report.artifact_name:
        return None
    digests = [digest for digest in map(digest_of, report.metadata.repo_digests) if digest]
    return ImageIdentity(
        reference=report.artifact_name,
        digest=digests[0] if digests else None,
        repo_digests=tuple(report.metadata.repo_digests),
        image_id=report.metadata.image_id,
    )
