"""Scan reports built in the tests from the scanners' documented JSON shapes.

Grype: `grype -o json` (matches[].vulnerability/relatedVulnerabilities/artifact, source,
descriptor). Trivy: `trivy image -f json`, schema version 2.
"""

from __future__ import annotations

from typing import Any

IMAGE = "registry.example.com/shop/api:1.4.2"
INDEX_DIGEST = "sha256:" + "ab" * 32
MANIFEST_DIGEST = "sha256:" + "cd" * 32
IMAGE_ID = "sha256:" + "ef" * 32


def grype_match(
    vuln_id: str,
    severity: str,
    package: str,
    version: str,
    *,
    fix_state: str = "fixed",
    fixed_in: tuple[str, ...] = (),
    related: tuple[str, ...] = (),
    package_type: str = "deb",
) -> dict[str, Any]:
    return {
        "vulnerability": {
            "id": vuln_id,
            "dataSource": f"https://security-tracker.debian.org/tracker/{vuln_id}",
            "namespace": "debian:distro:debian:12",
            "severity": severity,
            "urls": [f"https://security-tracker.debian.org/tracker/{vuln_id}"],
            "cvss": [],
            "fix": {"versions": list(fixed_in), "state": fix_state},
            "advisories": [],
            "risk": 0.5,
        },
        "relatedVulnerabilities": [
            {
                "id": other,
                "dataSource": f"https://nvd.nist.gov/vuln/detail/{other}",
                "namespace": "nvd:cpe",
                "severity": severity,
                "urls": [],
                "description": "described elsewhere",
                "cvss": [],
            }
            for other in related
        ],
        "matchDetails": [
            {
                "type": "exact-direct-match",
                "matcher": "dpkg-matcher",
                "searchedBy": {"distro": {"type": "debian", "version": "12"}},
                "found": {"vulnerabilityID": vuln_id},
            }
        ],
        "artifact": {
            "id": f"{package}-{version}",
            "name": package,
            "version": version,
            "type": package_type,
            "locations": [{"path": "/var/lib/dpkg/status", "layerID": "sha256:" + "11" * 32}],
            "language": "",
            "licenses": [],
            "cpes": [f"cpe:2.3:a:{package}:{package}:{version}:*:*:*:*:*:*:*"],
            "purl": f"pkg:{package_type}/debian/{package}@{version}",
            "upstreams": [],
        },
    }


def grype_report(matches: list[dict[str, Any]], *, repo_digests: bool = True) -> dict[str, Any]:
    return {
        "matches": matches,
        "source": {
            "type": "image",
            "target": {
                "userInput": IMAGE,
                "imageID": IMAGE_ID,
                "manifestDigest": MANIFEST_DIGEST,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "tags": [IMAGE],
                "imageSize": 81234567,
                "layers": [],
                "manifest": "e30=",
                "config": "e30=",
                "repoDigests": [f"registry.example.com/shop/api@{INDEX_DIGEST}"]
                if repo_digests
                else [],
                "architecture": "amd64",
                "os": "linux",
            },
        },
        "distro": {"name": "debian", "version": "12", "idLike": []},
        "descriptor": {
            "name": "grype",
            "version": "0.87.0",
            "configuration": {"fail-on-severity": ""},
            "db": {"built": "2026-01-01T00:00:00Z"},
            "timestamp": "2026-01-02T03:04:05Z",
        },
    }


def mixed_grype_report() -> dict[str, Any]:
    """One finding per severity, fixed and unfixed, a GHSA with a related CVE."""
    return grype_report(
        [
            grype_match("CVE-2024-0001", "Critical", "openssl", "3.0.11-1", fixed_in=("3.0.13-1",)),
            grype_match("CVE-2024-0002", "Critical", "glibc", "2.36-9", fix_state="not-fixed"),
            grype_match(
                "GHSA-abcd-efgh-ijkl",
                "High",
                "requests",
                "2.31.0",
                fixed_in=("2.32.0",),
                related=("CVE-2024-35195",),
                package_type="python",
            ),
            grype_match("CVE-2024-0004", "High", "zlib", "1.2.13", fix_state="wont-fix"),
            grype_match("CVE-2024-0005", "Medium", "curl", "7.88.1", fixed_in=("7.88.2", "8.0.0")),
            grype_match("CVE-2024-0006", "Low", "tar", "1.34", fix_state="unknown"),
            grype_match("CVE-2024-0007", "Negligible", "bash", "5.2.15", fix_state="not-fixed"),
            grype_match("CVE-2024-0008", "Unknown", "less", "590", fixed_in=("591",)),
        ]
    )


def trivy_vulnerability(
    vuln_id: str,
    severity: str,
    package: str,
    version: str,
    *,
    fixed: str = "",
    status: str | None = None,
    vendor_ids: tuple[str, ...] = (),
) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {
        "VulnerabilityID": vuln_id,
        "PkgID": f"{package}@{version}",
        "PkgName": package,
        "InstalledVersion": version,
        "Layer": {"DiffID": "sha256:" + "22" * 32},
        "SeveritySource": "nvd",
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{vuln_id.lower()}",
        "DataSource": {"ID": "debian", "Name": "Debian Security Tracker", "URL": "https://x"},
        "Title": "a title",
        "Description": "a description",
        "Severity": severity,
        "CVSS": {},
        "References": [],
    }
    if fixed:
        vulnerability["FixedVersion"] = fixed
    if status is not None:
        vulnerability["Status"] = status
    if vendor_ids:
        vulnerability["VendorIDs"] = list(vendor_ids)
    return vulnerability


def trivy_report(results: list[dict[str, Any]] | None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "SchemaVersion": 2,
        "CreatedAt": "2026-01-02T03:04:05Z",
        "ArtifactName": IMAGE,
        "ArtifactType": "container_image",
        "Metadata": {
            "OS": {"Family": "debian", "Name": "12.5"},
            "ImageID": IMAGE_ID,
            "DiffIDs": [],
            "RepoTags": [IMAGE],
            "RepoDigests": [f"registry.example.com/shop/api@{INDEX_DIGEST}"],
            "ImageConfig": {"architecture": "amd64", "os": "linux"},
        },
    }
    if results is not None:
        report["Results"] = results
    return report


def mixed_trivy_report() -> dict[str, Any]:
    return trivy_report(
        [
            {
                "Target": f"{IMAGE} (debian 12.5)",
                "Class": "os-pkgs",
                "Type": "debian",
                "Vulnerabilities": [
                    trivy_vulnerability(
                        "CVE-2024-0001",
                        "CRITICAL",
                        "openssl",
                        "3.0.11-1",
                        fixed="3.0.13-1",
                        status="fixed",
                    ),
                    trivy_vulnerability(
                        "CVE-2024-0002",
                        "HIGH",
                        "glibc",
                        "2.36-9",
                        status="affected",
                        vendor_ids=("DSA-5678-1",),
                    ),
                    trivy_vulnerability(
                        "CVE-2024-0003", "MEDIUM", "zlib", "1.2.13", status="will_not_fix"
                    ),
                ],
            },
            {
                "Target": "app/requirements.txt",
                "Class": "lang-pkgs",
                "Type": "pip",
                "Vulnerabilities": [
                    # Written before Trivy reported a status: the fixed version says it all.
                    trivy_vulnerability(
                        "CVE-2024-35195", "LOW", "requests", "2.31.0", fixed="2.32.0, 2.33.1"
                    ),
                    trivy_vulnerability("CVE-2024-0009", "UNKNOWN", "six", "1.16.0"),
                ],
            },
            {"Target": "app/secrets", "Class": "secret"},
        ]
    )
