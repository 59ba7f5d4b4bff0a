"""Helm charts in the repo, through `helm template`, with Argo CD's helm options."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from seaway.source.errors import RenderError
from seaway.source.render.manifests import parse_yaml
from seaway.source.render.options import HelmOptions, HelmParameter
from seaway.source.render.tools import Tools
from seaway.source.render.workdir import run_tool

_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def set_argument(param: HelmParameter) -> list[str]:
    """`--set name=value`: commas are escaped so that a value stays one value, unless the value
    is Helm's list syntax `{a,b}` (Argo CD does the same)."""
    value = param.value
    if not (value.startswith("{") and value.endswith("}")):
        value = _UNESCAPED_COMMA.sub(r"\\,", value)
    flag = "--set-string" if param.force_string else "--set"
    return [flag, f"{param.name}={value}"]


def _value_file(tree: Path, app_dir: Path, app_path: str, name: str) -> Path:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", name):
        raise RenderError(
            f"helm value file {name!r} of {app_path} is a URL; only files in the repo are supported"
        )
    # A leading '/' means the repo's root, as in Argo CD.
    base = tree if name.startswith("/") else app_dir
    candidate = Path(os.path.normpath(base / name.lstrip("/")))
    root = tree.resolve()
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise RenderError(f"helm value file {name!r} of {app_path} is outside the repo")
    return candidate


def helm_env(home: Path) -> dict[str, str]:
    """helm's environment, with its config, cache and data in a private folder: no repo list,
    plugin or registry login of the host changes what a chart renders to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    for name in ("CACHE", "CONFIG", "DATA"):
        folder = home / name.lower()
        folder.mkdir(exist_ok=True)
        env[f"HELM_{name}_HOME"] = str(folder)
    return env


def template_argv(
    helm: Path,
    *,
    tree: Path,
    app_path: str,
    options: HelmOptions,
    release: str,
    values_file: Path | None,
) -> tuple[list[str], list[str]]:
    """The `helm template` command line, and warnings about value files left out."""
    app_dir = tree / app_path
    argv = [str(helm), "template", release, str(app_dir)]
    warnings: list[str] = []
    if options.namespace:
        argv += ["--namespace", options.namespace]
    if not options.skip_crds:
        argv.append("--include-crds")
    if options.skip_tests:
        argv.append("--skip-tests")
    if options.kube_version:
        argv += ["--kube-version", options.kube_version]
    for api in options.api_versions:
        argv += ["--api-versions", api]
    for name in options.value_files:
        path = _value_file(tree, app_dir, app_path, name)
        if not path.is_file():
            if options.ignore_missing_value_files:
                warnings.append(f"helm value file {name!r} of {app_path} not found; ignored")
                continue
            raise RenderError(f"helm value file {name!r} not found in {app_path}")
        argv += ["--values", str(path)]
    if values_file is not None:
        argv += ["--values", str(values_file)]
    for param in options.parameters:
        argv += set_argument(param)
    return argv, warnings


def _inline_values(options: HelmOptions, app_path: str) -> dict[str, Any] | None:
    if options.values_object is not None:
        return dict(options.values_object)
    if not options.values.strip():
        return None
    try:
        values = yaml.safe_load(options.values)
    except yaml.YAMLError as exc:
        raise RenderError(f"helm.values of {app_path} is not valid YAML: {exc}") from exc
    if values is None:
        return None
    if not isinstance(values, dict):
        raise RenderError(f"helm.values of {app_path} must be a YAML map")
    return values


def render_helm(
    tree: Path,
    app_path: str,
    options: HelmOptions,
    *,
    app_name: str,
    tools: Tools,
    timeout: float,
) -> tuple[list[dict[str, Any]], list[str]]:
    helm = tools.need_helm(app_path)
    if not (tree / app_path / "Chart.yaml").is_file():
        raise RenderError(f"{app_path} has no Chart.yaml, so it is not a Helm chart")
    release = options.release_name or app_name or Path(app_path).name or "release"
    what = f"helm template of {app_path}"
    with tempfile.TemporaryDirectory(prefix="seaway-helm-") as scratch:
        home = Path(scratch)
        values = _inline_values(options, app_path)
        values_file = None
        if values is not None:
            values_file = home / "values.yaml"
            values_file.write_text(yaml.safe_dump(values, sort_keys=False))
        argv, warnings = template_argv(
            helm,
            tree=tree,
            app_path=app_path,
            options=options,
            release=release,
            values_file=values_file,
        )
        out, err = run_tool(
            argv, what=what, cwd=tree, roots=[tree, home], env=helm_env(home), timeout=timeout
        )
    warnings += [line.strip() for line in err.splitlines() if line.strip()]
    return parse_yaml(out, what), warnings
