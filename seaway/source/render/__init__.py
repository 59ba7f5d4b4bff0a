"""Rendering a path of a checked-out revision into Kubernetes objects (Kustomize, Helm, plain)."""

from seaway.source.render.cache import RenderCache
from seaway.source.render.detect import SourceType, detect
from seaway.source.render.options import (
    DirectoryOptions,
    HelmOptions,
    HelmParameter,
    KustomizeOptions,
    RenderOptions,
)
from seaway.source.render.render import RenderResult, render
from seaway.source.render.tools import Tools, find_helm, find_kubectl

__all__ = [
    "DirectoryOptions",
    "HelmOptions",
    "HelmParameter",
    "KustomizeOptions",
    "RenderCache",
    "RenderOptions",
    "RenderResult",
    "SourceType",
    "Tools",
    "detect",
    "find_helm",
    "find_kubectl",
    "render",
]
