"""Reading a scan report: JSON text in, the scanner recognized from the document's shape."""

from __future__ import annotations

import json
from typing import Any

from seaway.gates.errors import ReportError
from seaway.gates.findings import ReportFormat, ScanReport
from seaway.gates.grype import grype_scan_report, parse_grype
from seaway.gates.trivy import parse_trivy, trivy_scan_report

# Keys only one of the two formats writes at the top of its document. Grype always writes
# "matches" (an empty list when it found nothing); Trivy always writes "SchemaVersion" and leaves
# "Results" out when it found nothing.
_GRYPE_KEYS = frozenset({"matches"})
_TRIVY_KEYS = frozenset({"SchemaVersion", "Results", "ArtifactName"})


def detect_format(data: Any, source_name: str) -> ReportFormat:
    if not isinstance(data, dict):
        raise ReportError(
            source_name,
            [f"expected a JSON object (a Grype or Trivy report), found {_json_type(data)}"],
        )
    keys = set(data)
    if keys & _GRYPE_KEYS and not keys & _TRIVY_KEYS:
        return ReportFormat.GRYPE
    if keys & _TRIVY_KEYS and not keys & _GRYPE_KEYS:
        return ReportFormat.TRIVY
    if keys & _GRYPE_KEYS:
        raise ReportError(
            source_name,
            ["has both Grype's 'matches' and Trivy's top-level keys; which scanner wrote it?"],
        )
    raise ReportError(
        source_name,
        [
            "neither a Grype report (no top-level 'matches') nor a Trivy report "
            "(no top-level 'SchemaVersion' or 'Results')"
        ],
    )


def read_report(data: Any, source_name: str) -> ScanReport:
    """A report already decoded from JSON, in whichever format it is."""
    if detect_format(data, source_name) is ReportFormat.GRYPE:
        return grype_scan_report(parse_grype(data, source_name))
    return trivy_scan_report(parse_trivy(data, source_name))


def parse_report(text: str | bytes, source_name: str) -> ScanReport:
    """A report from its JSON text; `source_name` (the file name) starts every error."""
    try:
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise ReportError(source_name, [f"not UTF-8 text ({exc.reason})"]) from None
    except json.JSONDecodeError as exc:
        raise ReportError(
            source_name, [f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from None
    return read_report(data, source_name)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__
