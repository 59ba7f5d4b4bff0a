"""Generators: inputs (elements, cluster Secrets, a Git tree) in, parameter sets out.

Pure: Git is read through the GitSource protocol, which the controller implements over its
repo cache and tests may implement over any tree; cluster Secrets come in as objects.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from pydantic import ValidationError

from seaway.appset.gotemplate import TemplateError
from seaway.appset.params import (
    Params,
    flatten,
    normalize_name,
    path_params,
    plain_path_params,
    plain_value,
)
from seaway.appset.selector import matches
from seaway.appset.templating import Renderer
from seaway.model.applicationset import (
    UNSUPPORTED_GENERATORS,
    ClusterGenerator,
    Generator,
    GitGenerator,
    LabelSelector,
    ListGenerator,
    MatrixGenerator,
    MergeGenerator,
)
from seaway.model.globs import glob_match

IN_CLUSTER_NAME = "in-cluster"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"  # noqa: S105 - a label name


class GeneratorError(ValueError):
    """A generator that cannot make its parameters; the message names the generator."""


class GitTree(Protocol):
    """One commit's files, as a git generator reads them."""

    def directories(self) -> list[str]: ...

    def files(self) -> list[str]: ...

    def read(self, path: str) -> str: ...


class GitSource(Protocol):
    def tree(self, repo_url: str, revision: str) -> GitTree: ...


@dataclass(frozen=True)
class Inputs:
    # Cluster Secrets (labelled argocd.argoproj.io/secret-type: cluster), as API objects.
    clusters: Sequence[Mapping[str, Any]] = ()
    git: GitSource | None = None
    # Whether a cluster Secret for the local cluster is needed for it to be generated; Seaway's
    # local backend has no Secrets and its one cluster is always there.
    in_cluster_implicit: bool = True


@dataclass(frozen=True)
class Mode:
    go_template: bool = False
    missing_error: bool = False

    def renderer(self, params: Mapping[str, Any]) -> Renderer:
        return Renderer(params, self.go_template, self.missing_error)


@dataclass
class _Run:
    inputs: Inputs
    mode: Mode
    # (repo URL, revision) pairs read, so the caller can watch them for new commits.
    revisions: set[tuple[str, str]] = field(default_factory=set)


# -- list --------------------------------------------------------------------------------------


def _list(gen: ListGenerator, run: _Run, path: str) -> list[Params]:
    elements: list[Any] = list(gen.elements)
    if gen.elements_yaml:
        try:
            loaded = yaml.safe_load(gen.elements_yaml)
        except yaml.YAMLError as exc:
            raise GeneratorError(f"{path}.elementsYaml: invalid YAML: {exc}") from None
        if not isinstance(loaded, list):
            raise GeneratorError(f"{path}.elementsYaml: expected a list of objects")
        elements.extend(loaded)
    out: list[Params] = []
    for index, element in enumerate(elements):
        if not isinstance(element, Mapping):
            raise GeneratorError(f"{path}.elements[{index}]: expected an object")
        if run.mode.go_template:
            out.append(dict(element))
            continue
        params: Params = {}
        for key, value in element.items():
            if key == "values" and isinstance(value, Mapping):
                params.update(flatten(value, "values"))
            else:
                params[str(key)] = plain_value(value)
        out.append(params)
    return out


# -- clusters ----------------------------------------------------------------------------------


def _secret_field(secret: Mapping[str, Any], key: str) -> str:
    given = (secret.get("stringData") or {}).get(key)
    if isinstance(given, str):
        return given
    encoded = (secret.get("data") or {}).get(key)
    if not isinstance(encoded, str):
        return ""
    try:
        return base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


@dataclass(frozen=True)
class _Cluster:
    name: str
    server: str
    project: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


def _clusters(secrets: Sequence[Mapping[str, Any]], implicit_local: bool) -> list[_Cluster]:
    found: list[_Cluster] = []
    for secret in secrets:
        meta = secret.get("metadata") or {}
        labels = dict(meta.get("labels") or {})
        if labels.get(SECRET_TYPE_LABEL) != "cluster":
            continue
        server = _secret_field(secret, "server")
        if not server:
            continue
        name = _secret_field(secret, "name") or server
        project = _secret_field(secret, "project")
        found.append(_Cluster(name, server, project, labels, dict(meta.get("annotations") or {})))
    if implicit_local and not any(c.server == IN_CLUSTER_SERVER for c in found):
        found.insert(0, _Cluster(IN_CLUSTER_NAME, IN_CLUSTER_SERVER, "", {}, {}))
    return found


def _with_values(params: Params, values: Mapping[str, str], run: _Run, path: str) -> Params:
    """Argo CD's generator `values`: templated with the generator's own parameters."""
    if not values:
        return params
    try:
        rendered = run.mode.renderer(params).value(dict(values))
    except TemplateError as exc:
        raise GeneratorError(f"{path}.values: {exc}") from None
    if run.mode.go_template:
        return {**params, "values": rendered}
    return {**params, **{f"values.{key}": str(value) for key, value in rendered.items()}}


def _cluster(gen: ClusterGenerator, run: _Run, path: str) -> list[Params]:
    # The local cluster has no Secret and so no labels: a selector leaves it out.
    implicit = run.inputs.in_cluster_implicit and gen.selector.is_empty
    out: list[Params] = []
    for cluster in _clusters(run.inputs.clusters, implicit):
        if not gen.selector.is_empty and not matches(gen.selector, cluster.labels):
            continue
        nested: Params = {
            "name": cluster.name,
            "nameNormalized": normalize_name(cluster.name),
            "server": cluster.server,
            "project": cluster.project,
            "metadata": {"labels": dict(cluster.labels), "annotations": dict(cluster.annotations)},
        }
        params = nested if run.mode.go_template else flatten(nested)
        if not run.mode.go_template:
            # An empty labels map flattens to "metadata.labels"; Argo CD has no such parameter.
            params.pop("metadata.labels", None)
            params.pop("metadata.annotations", None)
        out.append(_with_values(params, gen.values, run, path))
    return out


# -- git ---------------------------------------------------------------------------------------


def _tree(gen: GitGenerator, run: _Run, path: str) -> GitTree:
    if run.inputs.git is None:
        raise GeneratorError(f"{path}: no Git access here to read {gen.repo_url}")
    revision = gen.revision or "HEAD"
    run.revisions.add((gen.repo_url, revision))
    try:
        return run.inputs.git.tree(gen.repo_url, revision)
    except (OSError, ValueError) as exc:
        raise GeneratorError(f"{path}: {gen.repo_url} at {revision}: {exc}") from None


def _path_params(nested: Params, gen: GitGenerator, run: _Run) -> Params:
    if run.mode.go_template:
        return (
            {gen.path_param_prefix: {"path": nested}} if gen.path_param_prefix else {"path": nested}
        )
    name = f"{gen.path_param_prefix}.path" if gen.path_param_prefix else "path"
    return plain_path_params(nested, name)


def _git_directories(gen: GitGenerator, run: _Run, path: str) -> list[Params]:
    tree = _tree(gen, run, path)
    includes = [d.path for d in gen.directories if not d.exclude]
    excludes = [d.path for d in gen.directories if d.exclude]
    out: list[Params] = []
    for directory in sorted(tree.directories()):
        if not any(glob_match(p, directory, "/") for p in includes):
            continue
        if any(glob_match(p, directory, "/") for p in excludes):
            continue
        params = _path_params(path_params(directory), gen, run)
        out.append(_with_values(params, gen.values, run, path))
    return out


def _file_entries(text: str, file: str, path: str) -> list[Mapping[str, Any]]:
    try:
        loaded = json.loads(text)
    except ValueError:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise GeneratorError(f"{path}: {file} is neither JSON nor YAML: {exc}") from None
    entries = loaded if isinstance(loaded, list) else [loaded if loaded is not None else {}]
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise GeneratorError(f"{path}: {file} must hold an object or a list of objects")
    return entries


def _git_files(gen: GitGenerator, run: _Run, path: str) -> list[Params]:
    tree = _tree(gen, run, path)
    includes = [f.path for f in gen.files if not f.exclude]
    excludes = [f.path for f in gen.files if f.exclude]
    out: list[Params] = []
    for file in sorted(tree.files()):
        if not any(glob_match(p, file, "/") for p in includes):
            continue
        if any(glob_match(p, file, "/") for p in excludes):
            continue
        directory, _, filename = file.rpartition("/")
        # Go's path.Dir: a file at the top is in ".".
        directory = directory or "."
        for entry in _file_entries(tree.read(file), file, path):
            content: Params = dict(entry) if run.mode.go_template else flatten(entry)
            content.update(_path_params(path_params(directory, filename), gen, run))
            out.append(_with_values(content, gen.values, run, path))
    return out


# -- matrix and merge --------------------------------------------------------------------------


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _combine(first: Params, second: Params, run: _Run, path: str) -> Params:
    if run.mode.go_template:
        return deep_merge(first, second)
    for key, value in second.items():
        if key in first and first[key] != value:
            raise GeneratorError(
                f"{path}: parameter {key!r} is {first[key]!r} in one generator and {value!r} "
                "in the other"
            )
    return {**first, **second}


def _interpolated(gen: Generator, params: Params, run: _Run, path: str) -> Generator:
    """The second generator of a matrix, with the first one's parameters filled in."""
    try:
        raw = run.mode.renderer(params).value(gen.to_dict())
        return Generator.model_validate(raw)
    except TemplateError as exc:
        raise GeneratorError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise GeneratorError(f"{path}: invalid once filled in: {exc}") from None


def _matrix(gen: MatrixGenerator, run: _Run, path: str) -> list[Params]:
    first, second = gen.generators
    out: list[Params] = []
    for params in _generate(first, run, f"{path}.generators[0]"):
        child = _interpolated(second, params, run, f"{path}.generators[1]")
        for other in _generate(child, run, f"{path}.generators[1]"):
            out.append(_combine(params, other, run, path))
    return out


def _merge_key(params: Params, keys: Sequence[str], run: _Run) -> str:
    flat = flatten(params) if run.mode.go_template else params
    return json.dumps([flat.get(key) for key in keys])


def _merge(gen: MergeGenerator, run: _Run, path: str) -> list[Params]:
    sets = [
        _generate(child, run, f"{path}.generators[{index}]")
        for index, child in enumerate(gen.generators)
    ]
    indexed: list[dict[str, Params]] = []
    for index, params_list in enumerate(sets):
        by_key: dict[str, Params] = {}
        for params in params_list:
            key = _merge_key(params, gen.merge_keys, run)
            if key in by_key:
                raise GeneratorError(
                    f"{path}.generators[{index}]: two parameter sets have the merge keys {key}"
                )
            by_key[key] = params
        indexed.append(by_key)
    out: list[Params] = []
    for key, base in indexed[0].items():
        merged = base
        for other in indexed[1:]:
            if key in other:
                merged = (
                    deep_merge(merged, other[key])
                    if run.mode.go_template
                    else {**merged, **other[key]}
                )
        out.append(merged)
    return out


# -- any generator -----------------------------------------------------------------------------


def _post_select(params: list[Params], selector: LabelSelector | None, run: _Run) -> list[Params]:
    if selector is None or selector.is_empty:
        return params
    return [p for p in params if matches(selector, flatten(p) if run.mode.go_template else p)]


def _generate(gen: Generator, run: _Run, path: str) -> list[Params]:
    if gen.kind in UNSUPPORTED_GENERATORS:
        raise GeneratorError(f"{path}: the {gen.kind} generator is not supported")
    here = f"{path}.{gen.kind}"
    if gen.list is not None:
        found = _list(gen.list, run, here)
    elif gen.clusters is not None:
        found = _cluster(gen.clusters, run, here)
    elif gen.git is not None:
        found = (
            _git_directories(gen.git, run, here)
            if gen.git.directories
            else _git_files(gen.git, run, here)
        )
    elif gen.matrix is not None:
        found = _matrix(gen.matrix, run, here)
    elif gen.merge is not None:
        found = _merge(gen.merge, run, here)
    else:
        raise GeneratorError(f"{path}: no generator given")
    return _post_select(found, gen.selector, run)


@dataclass(frozen=True)
class Generated:
    params: list[Params]
    # (repo URL, revision) the git generators read.
    revisions: frozenset[tuple[str, str]]


def generate(gen: Generator, inputs: Inputs, mode: Mode, path: str = "generator") -> Generated:
    """The parameter sets of one generator; GeneratorError names where it failed."""
    run = _Run(inputs, mode)
    params = _generate(gen, run, path)
    return Generated(params, frozenset(run.revisions))
