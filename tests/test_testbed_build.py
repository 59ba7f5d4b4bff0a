"""The build cache: warm runs build nothing; stale, half-built or tampered caches are rebuilt,
never used; a failing step says which step and how to retry.

The small component is a real module from the Go module proxy (golang.org/x/example/hello), built
by the same code path as the control plane, into a cache folder of the test's own.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from testbed import components
from testbed.build import (
    MARKER,
    BuildError,
    GoComponent,
    check_complete,
    ensure_built,
    staging_replacements,
    wrapper_go_mod,
)
from tests.conftest import Kube

HELLO = GoComponent(
    name="hello",
    module="golang.org/x/example/hello",
    version="v0.0.0-20250915201037-7f05d217867b",
    packages=("golang.org/x/example/hello",),
    ldflags=("-s", "-w"),
)

GO_MOD = """module k8s.io/kubernetes

go 1.26.0

require (
\tk8s.io/api v0.0.0
\tk8s.io/klog/v2 v2.140.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/other/thing => github.com/fork/thing v1.0.0
)

replace k8s.io/kubectl => ./staging/src/k8s.io/kubectl
"""


def test_staging_replacements_come_from_the_go_mod() -> None:
    assert staging_replacements(GO_MOD, "v0.36.3") == {
        "k8s.io/api": "v0.36.3",
        "k8s.io/client-go": "v0.36.3",
        "k8s.io/kubectl": "v0.36.3",
    }


def test_wrapper_module_requires_the_component_and_pins_staging() -> None:
    text = wrapper_go_mod(components.KUBERNETES, "1.26.0", {"k8s.io/api": "v0.36.3"})
    assert "require k8s.io/kubernetes v1.36.3" in text
    assert "replace k8s.io/api => k8s.io/api v0.36.3" in text
    assert "go 1.26.0" in text


def test_real_kubernetes_go_mod_yields_every_staging_module() -> None:
    gomod = _downloaded_go_mod(components.KUBERNETES)
    pins = staging_replacements(gomod, components.KUBERNETES_STAGING_VERSION)
    listed_at_zero = {
        line.split()[0]
        for line in gomod.splitlines()
        if line.strip().startswith("k8s.io/") and line.strip().endswith(" v0.0.0")
    }
    assert listed_at_zero
    assert listed_at_zero <= set(pins)


def _downloaded_go_mod(component: GoComponent) -> str:
    done = subprocess.run(
        ["go", "mod", "download", "-json", f"{component.module}@{component.version}"],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "GOFLAGS": "-mod=mod"},
    )
    return Path(json.loads(done.stdout)["GoMod"]).read_text()


@pytest.mark.kube
def test_second_start_finds_the_control_plane_warm(kube: Kube) -> None:
    if kube.plane is None:
        pytest.skip("the control plane came from SEAWAY_TEST_KUBECONFIG")
    for component in components.CONTROL_PLANE:
        before = {
            p: p.stat().st_mtime_ns for p in (kube.plane.binaries[component.name].bin_dir).iterdir()
        }
        started = time.monotonic()
        again = ensure_built(component, log=False)
        assert not again.built, component.key
        assert time.monotonic() - started < 10
        after = {p: p.stat().st_mtime_ns for p in again.bin_dir.iterdir()}
        assert before == after


def test_small_component_builds_once_and_is_rebuilt_when_damaged(tmp_path: Path) -> None:
    first = ensure_built(HELLO, tmp_path, log=False)
    assert first.built
    out = subprocess.run([first.binary("hello")], capture_output=True, text=True, check=True)
    assert "Hello" in out.stdout

    warm = ensure_built(HELLO, tmp_path, log=False)
    assert not warm.built

    binary = first.binary("hello")
    binary.write_bytes(binary.read_bytes() + b"tampered")
    assert check_complete(HELLO, tmp_path) == "hello does not match its recorded checksum"
    assert ensure_built(HELLO, tmp_path, log=False).built
    assert check_complete(HELLO, tmp_path) is None

    # A build that died before writing its marker is half-built: never used.
    (tmp_path / HELLO.key / MARKER).unlink()
    assert check_complete(HELLO, tmp_path) == "no completion marker"
    assert ensure_built(HELLO, tmp_path, log=False).built

    # Changing the recipe (flags, version, packages) invalidates the old binaries.
    changed = GoComponent(**{**HELLO.__dict__, "ldflags": ("-s",)})
    assert check_complete(changed, tmp_path) == "built from another recipe"


def test_unknown_version_names_the_download_step(tmp_path: Path) -> None:
    bad = GoComponent(**{**HELLO.__dict__, "version": "v0.0.0-19990101000000-000000000000"})
    with pytest.raises(BuildError) as err:
        ensure_built(bad, tmp_path, log=False)
    assert err.value.step.startswith("downloading golang.org/x/example/hello")
    assert "retry" in str(err.value)
    assert check_complete(bad, tmp_path) == "no completion marker"


def test_unreachable_proxy_says_so(tmp_path: Path) -> None:
    offline = GoComponent(
        **{
            **HELLO.__dict__,
            "env": {
                "GOPROXY": "http://127.0.0.1:9",
                "GOMODCACHE": str(tmp_path / "empty-modcache"),
                "GONOSUMDB": "*",
                "GOFLAGS": "-mod=mod",
            },
        }
    )
    with pytest.raises(BuildError) as err:
        ensure_built(offline, tmp_path / "cache", log=False)
    assert "proxy could not be reached" in str(err.value)
    assert "./scripts/testbed build" in str(err.value)


def test_missing_go_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError) as err:
        ensure_built(HELLO, tmp_path / "cache", log=False)
    assert err.value.step == "finding Go"
    assert "install Go" in str(err.value)
