"""Grype's JSON report (`grype -o json`), as users hand it to the gate.

Only the fields the gate reads are declared; everything else Grype writes (CVSS, match details,
the configuration, the database) is accepted and ignored, so reports from newer Grype releases
still load. Field names are Grype's own.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from seaway.gates.errors import ReportError, validation_problems
from seaway.gates.findings import (
    Finding,
    ImageIdentity,
    ReportFormat,
    ScanReport,
    digest_of,
)
from seaway.gates.severity import FixState, Severity

_SEVERITY_NAMES = ", ".join(severity.label for severity in reversed(Severity))
_FIX_STATE_NAMES = ", ".join(state.value for state in FixState)


class _GrypeModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class GrypeFix(_GrypeModel):
    # Grype writes an empty state and null versions when it has no metadata for a
    # vulnerability; both mean "unknown".
    state: FixState = FixState.UNKNOWN
    versions: list[str] = Field(default_factory=list)

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: object) -> object:
        if value is None or value == "":
            return FixState.UNKNOWN
        if isinstance(value, str):
            try:
                return FixState(value.strip().lower())
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a Grype fix state; expected one of {_FIX_STATE_NAMES}"
                ) from None
        return value

    @field_validator("versions", mode="before")
    @classmethod
    def _versions(cls, value: object) -> object:
        return [] if value is None else value


class GrypeVulnerabilityMetadata(_GrypeModel):
    id: str
    data_source: str = Field("", alias="dataSource")
    namespace: str = ""
    severity: Severity = Severity.UNKNOWN
    urls: list[str] = Field(default_factory=list)

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        # Grype omits the severity when its database has none for the vulnerability.
        if value is None or value == "":
            return Severity.UNKNOWN
        if isinstance(value, str):
            severity = Severity.from_name(value)
            if severity is None:
                raise ValueError(
                    f"{value!r} is not a Grype severity; expected one of {_SEVERITY_NAMES}"
                )
            return severity
        return value

    @field_validator("urls", mode="before")
    @classmethod
    def _urls(cls, value: object) -> object:
        return [] if value is None else value


class GrypeVulnerability(GrypeVulnerabilityMetadata):
    fix: GrypeFix = Field(default_factory=GrypeFix)


class GrypeLocation(_GrypeModel):
    path: str = ""
    layer_id: str = Field("", alias="layerID")


class GrypeArtifact(_GrypeModel):
    id: str = ""
    name: str
    version: str = ""
    type: str = ""
    purl: str = ""
    locations: list[GrypeLocation] = Field(default_factory=list)

    @field_validator("locations", mode="before")
    @classmethod
    def _locations(cls, value: object) -> object:
        return [] if value is None else value


class GrypeMatch(_GrypeModel):
    vulnerability: GrypeVulnerability
    related_vulnerabilities: list[GrypeVulnerabilityMetadata] = Field(
        default_factory=list, alias="relatedVulnerabilities"
    )
    artifact: GrypeArtifact

    @field_validator("related_vulnerabilities", mode="before")
    @classmethod
    def _related(cls, value: object) -> object:
        return [] if value is None else value


class GrypeImageTarget(_GrypeModel):
    """Syft's description of a scanned image (`source.target` when `source.type` is "image")."""

    user_input: str = Field("", alias="userInput")
    image_id: str = Field("", alias="imageID")
    manifest_digest: str = Field("", alias="manifestDigest")
    media_type: str = Field("", alias="mediaType")
    tags: list[str] = Field(default_factory=list)
    repo_digests: list[str] = Field(default_factory=list, alias="repoDigests")

    @field_validator("tags", "repo_digests", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return [] if value is None else value


def _target_kind(value: object) -> str:
    if isinstance(value, dict | GrypeImageTarget):
        return "image-target"
    return "path-target"


class GrypeSource(_GrypeModel):
    type: str = ""
    # An image is described by an object; a directory, file or SBOM by its path.
    target: (
        Annotated[
            Annotated[GrypeImageTarget, Tag("image-target")] | Annotated[str, Tag("path-target")],
            Discriminator(_target_kind),
        ]
        | None
    ) = None


class GrypeDescriptor(_GrypeModel):
    name: str = ""
    version: str = ""


class GrypeReport(_GrypeModel):
    matches: list[GrypeMatch]
    source: GrypeSource | None = None
    descriptor: GrypeDescriptor = Field(default_factory=GrypeDescriptor)


_UNION_TAGS = frozenset({"image-target", "path-target"})


def parse_grype(data: Any, source_name: str) -> GrypeReport:
    try:
        return GrypeReport.model_validate(data)
    except ValidationError as exc:
        raise ReportError(source_name, validation_problems(exc, _UNION_TAGS)) from None


def grype_scan_report(report: GrypeReport) -> ScanReport:
    scanner = " ".join(part for part in (report.descriptor.name, report.descriptor.version) if part)
    return ScanReport(
        format=ReportFormat.GRYPE,
        scanner=scanner,
        image=_image(report.source),
        findings=tuple(_finding(match) for match in report.matches),
    )


def _finding(match: GrypeMatch) -> Finding:
    vulnerability = match.vulnerability
    related = tuple(
        dict.fromkeys(
            other.id for other in match.related_vulnerabilities if other.id != vulnerability.id
        )
    )
    return Finding(
        id=vulnerability.id,
        severity=vulnerability.severity,
        package=match.artifact.name,
        version=match.artifact.version,
        package_type=match.artifact.type,
        fix_state=vulnerability.fix.state,
        fixed_in=tuple(vulnerability.fix.versions),
        related_ids=related,
    )


def _image(source: GrypeSource | None) -> ImageIdentity | None:
    if source is None or source.target is None:
        return None
    target = source.target
    if isinstance(target, str):
        return ImageIdentity(reference=target)
    # A repo digest is what a deployment pins (for a multi-platform image it names the index,
    # which the manifest digest does not); the manifest digest is the fallback for images that
    # were never pulled from a registry.
    digests = [digest for digest in map(digest_of, target.repo_digests) if digest]
    digest = digests[0] if digests else (target.manifest_digest or None)
    return ImageIdentity(
        reference=target.user_input,
        digest=digest,
        repo_digests=tuple(target.repo_digests),
        image_id=target.image_id,
    )
