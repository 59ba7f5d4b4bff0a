"""Image write-back: set a new image tag or digest in the environment repo and push it.

`plan_image` (pure) finds where the image is set and edits the text; `write_back` does it in a
temporary clone and pushes, re-applying the edit on the new head when another push got there
first.
"""

from seaway.promote.writeback.errors import (
    BadInputError,
    ImageRefError,
    NoMatchingImageError,
    PushFailedError,
    WriteBackError,
    YamlFileError,
)
from seaway.promote.writeback.plan import FileChange, HelmTarget, Plan, plan_image
from seaway.promote.writeback.reference import ImageRef, parse_image_ref
from seaway.promote.writeback.repo import Author, Outcome, WriteBack, author_from_env, write_back

__all__ = [
    "Author",
    "BadInputError",
    "FileChange",
    "HelmTarget",
    "ImageRef",
    "ImageRefError",
    "NoMatchingImageError",
    "Outcome",
    "Plan",
    "PushFailedError",
    "WriteBack",
    "WriteBackError",
    "YamlFileError",
    "author_from_env",
    "parse_image_ref",
    "plan_image",
    "write_back",
]
