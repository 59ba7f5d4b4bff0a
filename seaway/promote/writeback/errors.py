"""The errors of image write-back, split by who must act: the caller (bad input) or the retry."""

from __future__ import annotations


class WriteBackError(Exception):
    """Base of every error that writing an image back into the environment repo raises."""


class BadInputError(WriteBackError):
    """The request cannot be carried out as given; nothing was changed."""


class ImageRefError(BadInputError):
    """An image reference does not parse."""


class NoMatchingImageError(BadInputError):
    """No place in the environment repo names the image."""


class YamlFileError(BadInputError):
    """A YAML file of the environment repo does not parse (the message names file and line)."""


class PushFailedError(WriteBackError):
    """The commit could not be pushed, even after fetching the new head and retrying."""
