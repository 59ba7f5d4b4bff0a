"""The errors of seaway.source: each names the repo, the revision or the file it is about."""

from __future__ import annotations


class SourceError(Exception):
    """Base of every error that fetching or rendering a source raises."""


class GitError(SourceError):
    """A git command failed; the message names the repo and never holds a credential."""


class AuthError(GitError):
    """The repo refused the credentials, or needs credentials that were not given."""


class RevisionNotFoundError(GitError):
    """The revision is neither a branch, a tag nor a commit of the repo."""


class RenderError(SourceError):
    """A revision's path could not be turned into Kubernetes objects."""


class ToolMissingError(RenderError):
    """A renderer needs a program (helm, kubectl) that could not be found."""
