"""Registry polling for image updates (issue #6): Argo CD Image Updater's annotations, the pure
strategies (semver ranges, newest build, digest of a followed tag) and the poller that writes a
newer image back to the environment repo."""

from seaway.promote.poll.poller import PollResult, Target, choose, poll_app, target_of
from seaway.promote.poll.semver import (
    Constraint,
    ConstraintError,
    Version,
    newest,
    parse_constraint,
    parse_version,
)
from seaway.promote.poll.spec import (
    IMAGE_LIST,
    ImageSpec,
    PollError,
    Strategy,
    choose_tag,
    newest_build,
    parse_specs,
)

__all__ = [
    "IMAGE_LIST",
    "Constraint",
    "ConstraintError",
    "ImageSpec",
    "PollError",
    "PollResult",
    "Strategy",
    "Target",
    "Version",
    "choose",
    "choose_tag",
    "newest",
    "newest_build",
    "parse_constraint",
    "parse_specs",
    "parse_version",
    "poll_app",
    "target_of",
]
