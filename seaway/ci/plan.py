"""The steps of one CI run, planned from the config with no I/O.

The order is the contract: tests before the image exists, the scan gate before anything is
signed, the environment repo touched last. A step that fails stops the run, so an image that
failed its tests is never pushed and one that failed the scan is never attested or deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from seaway.model.ci import CiConfig


class StepKind(StrEnum):
    TEST = "test"
    BUILD = "build"
    SCAN = "scan"
    ATTEST = "attest"
    DEPLOY = "deploy"


@dataclass(frozen=True)
class ScanSource:
    """Where the scan gate's report comes from: grype run here, or a report someone supplied."""

    grype: str | None = None
    report: str | None = None

    def describe(self) -> str:
        if self.report is not None:
            return f"supplied report {self.report} (no scanner ran here)"
        return f"grype ({self.grype})"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    title: str


def image_name(config: CiConfig, commit: str) -> str:
    """repository:tag; the tag defaults to the commit's short id, as most pipelines tag."""
    tag = config.image.tag or (commit[:12] if commit else "")
    if not tag:
        raise ValueError("image.tag: not set and the app folder is not a Git work tree")
    return f"{config.image.repository}:{tag}"


def plan_steps(config: CiConfig, image: str, scan: ScanSource) -> list[Step]:
    deploy = config.deploy
    return [
        Step(StepKind.TEST, f"{config.test.suite} tests: {' '.join(config.test.command)}"),
        Step(StepKind.BUILD, f"{image} from {', '.join(config.image.files)}, then push"),
        Step(StepKind.SCAN, f"fail on {config.scan.fail_on}: {scan.describe()}"),
        Step(StepKind.ATTEST, "test-result and vulns attestations, signed and pushed"),
        Step(
            StepKind.DEPLOY,
            f"the image by digest into {deploy.stage} ({deploy.branch}:{deploy.path})",
        ),
    ]
