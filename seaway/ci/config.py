"""Reading `.seaway-ci.yaml`, with every problem named by file and field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from seaway.gates.errors import validation_problems
from seaway.model.ci import CiConfig


class CiConfigError(Exception):
    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def read_config(path: Path) -> CiConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CiConfigError(str(path), [f"cannot read: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise CiConfigError(str(path), [f"not YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise CiConfigError(str(path), ["expected a mapping with test, image, attest, deploy"])
    try:
        return CiConfig.model_validate(data)
    except ValidationError as exc:
        raise CiConfigError(str(path), validation_problems(exc)) from None
