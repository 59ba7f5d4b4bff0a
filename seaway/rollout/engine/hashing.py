"""The pod-template hash that names a version's replica set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

HASH_LENGTH = 10


def pod_template_hash(template: Mapping[str, Any]) -> str:
    """A short stable hash of a pod template: the same template always gives the same value
    (whatever the order of its keys), a changed one a different value. Ten lowercase hex
    characters, so it is a valid label value and a valid part of an object's name."""
    # default=str: a template parsed from YAML can hold dates; they hash as written.
    text = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]
