"""Fixtures for seaway.source: real Git repos made with the git CLI, and the helm binary."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from seaway.source import RepoCache
from testbed.build import ensure_built
from testbed.components import HELM
from tests.gitrepo import Upstream


def configmap(name: str, **data: str) -> str:
    body = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in data.items())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n{body or '  {}'}\n"


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    return Upstream(tmp_path / "upstream")


@pytest.fixture
def cache(tmp_path: Path) -> RepoCache:
    return RepoCache(tmp_path / "cache")


@pytest.fixture(scope="session")
def helm_binary() -> Iterator[Path]:
    """The helm the test bed builds (once, into its cache), also named by SEAWAY_HELM."""
    helm = ensure_built(HELM, log=False).binary("helm")
    before = os.environ.get("SEAWAY_HELM")
    os.environ["SEAWAY_HELM"] = str(helm)
    try:
        yield helm
    finally:
        if before is None:
            os.environ.pop("SEAWAY_HELM", None)
        else:
            os.environ["SEAWAY_HELM"] = before
