"""`.seaway-ci.yaml`: what the local CI runner (`seaway ci run`) does for an app repo.

The same road as `examples/ci/github-actions.yml`, written once for this machine: the unit-test
command, the files the image is built from and where it is pushed, the scan gate's threshold, the
key that signs the attestations, and the environment repo folder the new digest is written to.
Unknown keys are refused, so a misspelt option never silently falls back to a default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from seaway.model.base import ArgoModel


class CiModel(ArgoModel):
    model_config = ConfigDict(extra="forbid")


class TestStep(CiModel):
    __test__ = False  # not a pytest test class, whatever its name

    command: list[str] = Field(min_length=1)
    suite: str = "unit"
    timeout: float = Field(default=1800.0, gt=0)


class ImageStep(CiModel):
    repository: str = Field(min_length=1)
    tag: str = ""
    files: list[str] = Field(min_length=1)
    prefix: str = "app"

    @field_validator("files")
    @classmethod
    def _relative(cls, files: list[str]) -> list[str]:
        for name in files:
            if name.startswith("/") or ".." in name.split("/"):
                raise ValueError(f"{name!r} must be a path inside the repo")
        return files


class ScanStep(CiModel):
    fail_on: Literal["critical", "high", "medium", "low"] = "high"
    only_fixed: bool = False
    allow: list[str] = Field(default_factory=list)
    report: str = ""


class AttestStep(CiModel):
    key: str = Field(min_length=1)
    password_env: str = ""


class DeployStep(CiModel):
    repo: str = Field(min_length=1)
    branch: str = "main"
    path: str = Field(min_length=1)
    stage: str = "dev"


class CiConfig(CiModel):
    test: TestStep
    image: ImageStep
    scan: ScanStep = Field(default_factory=ScanStep)
    attest: AttestStep
    deploy: DeployStep
    insecure_registries: list[str] = Field(default_factory=list)
