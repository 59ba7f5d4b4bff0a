"""The pure planning of `seaway ci run`: the steps' order, the image tag, the scan's label."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seaway.ci import ScanSource, StepKind, plan_steps
from seaway.ci.plan import image_name
from seaway.model.ci import CiConfig

CONFIG = CiConfig.model_validate(
    {
        "test": {"command": ["make", "test"]},
        "image": {"repository": "127.0.0.1:5000/shop/web", "files": ["app.py"]},
        "attest": {"key": "ci.key"},
        "deploy": {"repo": "../env", "path": "dev"},
    }
)


def test_steps_come_in_the_pipeline_order() -> None:
    steps = plan_steps(CONFIG, "127.0.0.1:5000/shop/web:abc", ScanSource(grype="/usr/bin/grype"))
    assert [s.kind for s in steps] == [
        StepKind.TEST, StepKind.BUILD, StepKind.SCAN, StepKind.ATTEST, StepKind.DEPLOY,
    ]  # fmt: skip
    assert steps[0].title == "unit tests: make test"
    assert steps[1].title == "127.0.0.1:5000/shop/web:abc from app.py, then push"
    assert steps[2].title == "fail on high: grype (/usr/bin/grype)"
    assert steps[4].title == "the image by digest into dev (main:dev)"


def test_a_supplied_report_never_reads_as_a_scan() -> None:
    label = ScanSource(report="grype.json").describe()
    assert label == "supplied report grype.json (no scanner ran here)"


def test_the_tag_defaults_to_the_commit() -> None:
    assert image_name(CONFIG, "0123456789abcdef") == "127.0.0.1:5000/shop/web:0123456789ab"
    tagged = CONFIG.model_copy(update={"image": CONFIG.image.model_copy(update={"tag": "v1"})})
    assert image_name(tagged, "") == "127.0.0.1:5000/shop/web:v1"
    with pytest.raises(ValueError, match=r"image\.tag: not set"):
        image_name(CONFIG, "")


@pytest.mark.parametrize("path", ["/etc/passwd", "../secrets", "a/../../b"])
def test_image_files_stay_inside_the_repo(path: str) -> None:
    bad = CONFIG.model_dump(by_alias=True)
    bad["image"]["files"] = [path]
    with pytest.raises(ValueError, match="must be a path inside the repo"):
        CiConfig.model_validate(bad)


def test_the_readme_example_config_is_valid() -> None:
    readme = Path(__file__).resolve().parents[2] / "examples" / "ci" / "README.md"
    block = readme.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    config = CiConfig.model_validate(yaml.safe_load(block))
    assert config.deploy.stage == "dev"
    assert config.insecure_registries == ["127.0.0.1:5000"]
