"""What a scan report says, whatever scanner wrote it: plain values the gate evaluates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from seaway.gates.severity import FixState, Severity


class ReportFormat(StrEnum):
    GRYPE = "grype"
    TRIVY = "trivy"


@dataclass(frozen=True)
class Finding:
    """One vulnerability matched in one package."""

    id: str
    severity: Severity
    package: str
    version: str
    package_type: str
    fix_state: FixState
    fixed_in: tuple[str, ...]
    # Other names of the same vulnerability (a GHSA's CVE, a distribution advisory), so that an
    # allow list written with either name applies.
    related_ids: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.related_ids)

    @property
    def fixable(self) -> bool:
        return self.fix_state is FixState.FIXED


@dataclass(frozen=True)
class ImageIdentity:
    """Which image was scanned, as precisely as the report says."""

    reference: str
    # The content digest ("sha256:..."): what a gate result can be pinned to. None when the
    # report does not carry one (a scan of a directory, or a local image never pushed).
    digest: str | None = None
    repo_digests: tuple[str, ...] = ()
    image_id: str = ""

    def __str__(self) -> str:
        if self.digest and self.digest not in self.reference:
            return f"{self.reference}@{self.digest}" if self.reference else self.digest
        return self.reference


@dataclass(frozen=True)
class ScanReport:
    format: ReportFormat
    # The tool and its version, e.g. "grype 0.87.0"; empty when the report does not say.
    scanner: str
    image: ImageIdentity | None
    findings: tuple[Finding, ...]


def digest_of(repo_digest: str) -> str | None:
    """ "registry/repo@sha256:abc" -> "sha256:abc"."""
    _, sep, digest = repo_digest.rpartition("@")
    return digest if sep and digest else None
