"""ApplicationSets: generators make parameter sets, a template makes one Application of each.

Pure: no I/O. Git is read through the `GitSource` protocol, cluster Secrets arrive as objects;
the controller (seaway.controller.appsets) reads inputs and writes the Applications.
"""

from seaway.appset.applications import (
    OWNER_KIND,
    RESOURCES_FINALIZER,
    AppSetError,
    Changes,
    Rendered,
    owner_of,
    owner_reference,
    plan_changes,
    render_set,
)
from seaway.appset.generators import (
    GeneratorError,
    GitSource,
    GitTree,
    Inputs,
    Mode,
    generate,
)
from seaway.appset.gotemplate import TemplateError, render_go
from seaway.appset.status import appset_status
from seaway.appset.templating import Renderer, render_plain

__all__ = [
    "OWNER_KIND",
    "RESOURCES_FINALIZER",
    "AppSetError",
    "Changes",
    "GeneratorError",
    "GitSource",
    "GitTree",
    "Inputs",
    "Mode",
    "Rendered",
    "Renderer",
    "TemplateError",
    "appset_status",
    "generate",
    "owner_of",
    "owner_reference",
    "plan_changes",
    "render_go",
    "render_plain",
    "render_set",
]
