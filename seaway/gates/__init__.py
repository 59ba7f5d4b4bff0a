"""Supply-chain gates: vulnerability reports (Grype and Trivy JSON) checked against a policy,
and signed attestations (`seaway.gates.attest`) that only tested, scanned, approved images pass.

Reports are read from their text and evaluated with no I/O; reading files is the command line's
job, and `seaway.gates.attest.files` is the one module of attestations that touches files.
"""

from seaway.gates.errors import ReportError
from seaway.gates.evaluate import GateResult, SeverityCount, evaluate
from seaway.gates.findings import Finding, ImageIdentity, ReportFormat, ScanReport
from seaway.gates.grype import GrypeReport, grype_scan_report, parse_grype
from seaway.gates.policy import ScanPolicy
from seaway.gates.reading import detect_format, parse_report, read_report
from seaway.gates.severity import SEVERITIES_HIGH_TO_LOW, FixState, Severity
from seaway.gates.trivy import TrivyReport, parse_trivy, trivy_scan_report

__all__ = [
    "SEVERITIES_HIGH_TO_LOW",
    "Finding",
    "FixState",
    "GateResult",
    "GrypeReport",
    "ImageIdentity",
    "ReportError",
    "ReportFormat",
    "ScanPolicy",
    "ScanReport",
    "Severity",
    "SeverityCount",
    "TrivyReport",
    "detect_format",
    "evaluate",
    "grype_scan_report",
    "parse_grype",
    "parse_report",
    "parse_trivy",
    "read_report",
    "trivy_scan_report",
]
