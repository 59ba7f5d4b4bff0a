"""Git access (fetch, revisions, write-back commits) and rendering of a revision into objects.

`RepoCache` keeps one mirror per repo and read-only checkouts per commit; `render` turns a path
of a checkout into the desired objects, chosen like Argo CD's repo-server chooses.
"""

from seaway.source.credentials import Credentials, HttpsToken, SshKey
from seaway.source.errors import (
    AuthError,
    GitError,
    RenderError,
    RevisionNotFoundError,
    SourceError,
    ToolMissingError,
)
from seaway.source.render import (
    DirectoryOptions,
    HelmOptions,
    HelmParameter,
    KustomizeOptions,
    RenderCache,
    RenderOptions,
    RenderResult,
    SourceType,
    Tools,
    render,
)
from seaway.source.repo_cache import Refs, RepoCache

__all__ = [
    "AuthError",
    "Credentials",
    "DirectoryOptions",
    "GitError",
    "HelmOptions",
    "HelmParameter",
    "HttpsToken",
    "KustomizeOptions",
    "Refs",
    "RenderCache",
    "RenderError",
    "RenderOptions",
    "RenderResult",
    "RepoCache",
    "RevisionNotFoundError",
    "SourceError",
    "SourceType",
    "SshKey",
    "ToolMissingError",
    "Tools",
    "render",
]
