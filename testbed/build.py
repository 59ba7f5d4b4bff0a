"""Build Go programs from their published modules into a cache outside the repository.

A component names a module, a version and the main packages to build. The build writes a small
wrapper module that requires it, so that modules which replace their own parts with local paths
(k8s.io/kubernetes and its staging modules) still build from the proxy. A component's binaries are
used only when its completion marker says they are complete, were built from the same recipe and
still have the checksums recorded at build time; anything else is rebuilt, never used.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

MARKER = "complete.json"
# Raised whenever the build procedure changes in a way that old binaries must not survive.
BUILD_FORMAT = 1


class BuildError(RuntimeError):
    """A step of a build failed; the message names the step and how to retry."""

    def __init__(self, component: str, step: str, detail: str, hint: str = "") -> None:
        self.component = component
        self.step = step
        retry = hint or "fix the cause, then retry with: ./scripts/testbed build"
        super().__init__(f"building {component}: {step} failed:\n{detail.strip()}\n-> {retry}")


@dataclass(frozen=True)
class GoComponent:
    """A Go module whose main packages are built at a pinned version."""

    name: str
    module: str
    version: str
    packages: tuple[str, ...]
    ldflags: tuple[str, ...] = ()
    # Requirements of the module at v0.0.0 that its go.mod replaces with local folders under
    # this prefix are pinned to this published version instead.
    staging_version: str | None = None
    # Files of the module (paths inside it) copied next to the binaries, for programs that read
    # configuration the module ships.
    data_files: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    # Binaries to rename after the build, where go's name says little ("server" for etcd).
    renames: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    def binary_names(self) -> list[str]:
        # go build names a binary after the last path element that is not a major version.
        names = []
        for pkg in self.packages:
            parts = pkg.rstrip("/").split("/")
            if len(parts) > 1 and re.fullmatch(r"v[0-9]+", parts[-1]):
                parts.pop()
            names.append(self.renames.get(parts[-1], parts[-1]))
        return names

    def recipe_hash(self) -> str:
        recipe = asdict(self) | {
            "format": BUILD_FORMAT,
            "env": dict(self.env),
            "renames": dict(self.renames),
        }
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Built:
    """Where a component's binaries are, and whether this call had to build them."""

    component: GoComponent
    bin_dir: Path
    data_dir: Path
    built: bool
    seconds: float

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def cache_root() -> Path:
    override = os.environ.get("SEAWAY_TESTBED_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "seaway" / "testbed"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_complete(component: GoComponent, root: Path) -> str | None:
    """Return None when the cached build is complete and intact, else why it is not."""
    target = root / component.key
    marker = target / MARKER
    if not marker.is_file():
        return "no completion marker" if target.exists() else "not built"
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError) as exc:
        return f"unreadable completion marker ({exc})"
    if recorded.get("recipe") != component.recipe_hash():
        return "built from another recipe"
    checksums: dict[str, str] = recorded.get("sha256", {})
    for name in component.binary_names():
        path = target / "bin" / name
        if not path.is_file():
            return f"{name} is missing"
        if checksums.get(name) != _sha256(path):
            return f"{name} does not match its recorded checksum"
    for rel in component.data_files:
        data = target / "data" / Path(rel).name
        if checksums.get(f"data/{data.name}") != (_sha256(data) if data.is_file() else None):
            return f"data file {data.name} is missing or changed"
    return None


@contextlib.contextmanager
def _locked(root: Path, key: str) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / f".{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_built(component: GoComponent, root: Path | None = None, log: bool = True) -> Built:
    """Build the component unless an intact build of the same recipe is in the cache."""
    root = root or cache_root()
    target = root / component.key
    with _locked(root, component.key):
        reason = check_complete(component, root)
        if reason is None:
            return Built(component, target / "bin", target / "data", built=False, seconds=0.0)
        if log:
            print(f"testbed: building {component.key} ({reason}); only the first run pays this")
        started = time.monotonic()
        _build(component, target)
        seconds = time.monotonic() - started
        if log:
            print(f"testbed: built {component.key} in {seconds:.0f} s")
        return Built(component, target / "bin", target / "data", built=True, seconds=seconds)


def _go_env(component: GoComponent) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", "GOWORK": "off"})
    env.update(component.env)
    return env


_NETWORK_HINT = (
    "the Go module proxy could not be reached; check the network or GOPROXY "
    "(go env GOPROXY), then retry with: ./scripts/testbed build"
)


def _run(component: GoComponent, step: str, argv: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            argv, cwd=cwd, env=_go_env(component), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BuildError(
            component.key,
            step,
            f"{argv[0]} was not found on PATH",
            "install Go 1.26 or newer (the go command on PATH), then retry with: "
            "./scripts/testbed build",
        ) from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout)[-4000:]
        unreachable = re.search(
            r"dial tcp|no such host|connection refused|i/o timeout|TLS handshake", output
        )
        raise BuildError(component.key, step, output, _NETWORK_HINT if unreachable else "")
    return done.stdout


def _module_go_mod(component: GoComponent, work: Path) -> dict[str, str]:
    """Download the module and return `go mod download -json` facts about it."""
    out = _run(
        component,
        f"downloading {component.module}@{component.version}",
        ["go", "mod", "download", "-json", f"{component.module}@{component.version}"],
        work,
    )
    info: dict[str, str] = json.loads(out)
    if info.get("Error"):
        raise BuildError(component.key, "downloading the module", info["Error"])
    return info


_STAGING_RE = re.compile(r"^\s*(?:replace\s+)?(\S+)\s+=>\s+\./staging/", re.MULTILINE)


def staging_replacements(go_mod_text: str, version: str) -> dict[str, str]:
    """Map each module that a go.mod replaces with a local staging folder to `version`."""
    return dict.fromkeys(_STAGING_RE.findall(go_mod_text), version)


def wrapper_go_mod(component: GoComponent, go_version: str, replacements: dict[str, str]) -> str:
    lines = [
        f"module seaway.local/testbed/{component.name}",
        "",
        f"go {go_version}",
        "",
        f"require {component.module} {component.version}",
    ]
    if replacements:
        lines.append("")
        lines.extend(f"replace {mod} => {mod} {ver}" for mod, ver in sorted(replacements.items()))
    return "\n".join(lines) + "\n"


def _go_directive(go_mod_text: str) -> str:
    match = re.search(r"^go\s+(\S+)", go_mod_text, re.MULTILINE)
    return match.group(1) if match else "1.22"


def _build(component: GoComponent, target: Path) -> None:
    if shutil.which("go") is None:
        raise BuildError(
            component.key,
            "finding Go",
            "the go command is not on PATH",
            "install Go 1.26 or newer, then retry with: ./scripts/testbed build",
        )
    # Anything there is stale or half-built: remove it before building, so that a failed build
    # leaves no marker and the next run starts clean.
    if target.exists():
        shutil.rmtree(target)
    work = target / "module"
    work.mkdir(parents=True)
    # `go mod download` needs a module to run in when GOFLAGS=-mod=mod.
    (work / "go.mod").write_text("module seaway.local/testbed/probe\n\ngo 1.22\n")
    info = _module_go_mod(component, work)
    staging = target / "bin.partial"
    staging.mkdir()
    # A component with no packages is only its data files (e.g. CRD manifests a module ships).
    if component.packages:
        _compile(component, work, info, staging)
    checksums = {name: _sha256(staging / name) for name in component.binary_names()}
    data = target / "data"
    data.mkdir()
    for rel in component.data_files:
        source = Path(info["Dir"]) / rel
        if not source.is_file():
            raise BuildError(component.key, "copying data files", f"{rel} is not in the module")
        shutil.copyfile(source, data / source.name)
        checksums[f"data/{source.name}"] = _sha256(data / source.name)
    staging.rename(target / "bin")
    shutil.rmtree(work)
    marker = {
        "recipe": component.recipe_hash(),
        "module": f"{component.module}@{component.version}",
        "sha256": checksums,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # Written last and atomically: its presence means everything before it finished.
    tmp = target / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=2))
    tmp.rename(target / MARKER)


def _compile(component: GoComponent, work: Path, info: dict[str, str], staging: Path) -> None:
    module_go_mod = Path(info["GoMod"]).read_text()
    replacements = (
        staging_replacements(module_go_mod, component.staging_version)
        if component.staging_version
        else {}
    )
    (work / "go.mod").write_text(
        wrapper_go_mod(component, _go_directive(module_go_mod), replacements)
    )
    imports = "\n".join(f'\t_ "{pkg}"' for pkg in component.packages)
    (work / "tools.go").write_text(f"//go:build tools\n\npackage tools\n\nimport (\n{imports}\n)\n")
    _run(component, "resolving dependencies (go mod tidy)", ["go", "mod", "tidy"], work)
    argv = ["go", "build", "-trimpath", "-o", str(staging) + "/"]
    if component.ldflags:
        argv += ["-ldflags", " ".join(component.ldflags)]
    _run(component, "compiling (go build)", [*argv, *component.packages], work)
    for old, new in component.renames.items():
        (staging / old).rename(staging / new)


def disk_usage(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
