"""Shared fixtures. `kube` gives the tests a real Kubernetes API server.

By default that is Seaway's own test control plane (testbed/), built from Go modules on first use
and started once per session. SEAWAY_TEST_KUBECONFIG points the tests at any other cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testbed.cluster import ControlPlane, build_all

# `oci_registry`: a real OCI registry (crane) for the supply-chain and image-polling tests.
pytest_plugins = ["tests.oci_registry"]


@dataclass(frozen=True)
class Kube:
    kubeconfig: Path
    # None when the cluster came from SEAWAY_TEST_KUBECONFIG and is not ours to inspect.
    plane: ControlPlane | None


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (pytest.mark.anyio) run on asyncio, as Seaway does."""
    return "asyncio"


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kube]:
    given = os.environ.get("SEAWAY_TEST_KUBECONFIG")
    if given:
        yield Kube(Path(given), None)
        return
    plane = ControlPlane(tmp_path_factory.mktemp("testbed"), build_all(log=False))
    plane.start()
    try:
        yield Kube(plane.kubeconfig, plane)
    finally:
        plane.stop()
