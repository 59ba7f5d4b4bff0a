"""in-toto Statement v1: which image (by digest) an attestation is about, and what it says.

Pure. Subjects are matched by digest alone, as the in-toto spec says; the name is for people.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from seaway.gates.attest.errors import AttestError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
# cosign still writes v0.1 statements; their layout is the same, so both are read.
READABLE_STATEMENT_TYPES = frozenset({STATEMENT_TYPE, "https://in-toto.io/Statement/v0.1"})

_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class ImageRef:
    """An image pinned by digest: "registry/repo@sha256:<hex>" or just "sha256:<hex>"."""

    name: str
    sha256: str

    @property
    def digest(self) -> str:
        return f"sha256:{self.sha256}"

    def __str__(self) -> str:
        return f"{self.name}@{self.digest}" if self.name else self.digest


def parse_image_ref(text: str) -> ImageRef:
    """Raise ValueError unless `text` pins an image by a sha256 digest (a tag alone can move)."""
    name, _, digest = text.strip().rpartition("@")
    match = _DIGEST.fullmatch(digest)
    if match is None:
        raise ValueError(
            f"{text!r} is not pinned by digest: expected IMAGE@sha256:<64 lowercase hex digits>"
        )
    # A tag next to the digest says nothing the digest does not; the repository is the name.
    head, slash, last = name.rpartition("/")
    repository = head + slash + last.partition(":")[0]
    return ImageRef(repository, match.group(1))


@dataclass(frozen=True)
class Subject:
    name: str
    digest: dict[str, str]


@dataclass(frozen=True)
class Statement:
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: dict[str, Any]

    def sha256_digests(self) -> tuple[str, ...]:
        return tuple(s.digest["sha256"] for s in self.subjects if "sha256" in s.digest)

    def to_json(self) -> bytes:
        document = {
            "_type": STATEMENT_TYPE,
            "subject": [{"name": s.name, "digest": dict(s.digest)} for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": self.predicate,
        }
        return json.dumps(document, sort_keys=False, separators=(",", ":")).encode()


def statement_for(image: ImageRef, predicate_type: str, predicate: dict[str, Any]) -> Statement:
    # in-toto says to use "_" when a name means nothing, as for a bare digest.
    subject = Subject(image.name or "_", {"sha256": image.sha256})
    return Statement((subject,), predicate_type, predicate)


def parse_statement(payload: bytes, source: str) -> Statement:
    try:
        document: Any = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AttestError(source, [f"payload is not JSON ({exc})"]) from None
    if not isinstance(document, dict):
        raise AttestError(source, ["payload is not an in-toto statement: not a JSON object"])
    problems: list[str] = []
    kind = document.get("_type")
    if kind not in READABLE_STATEMENT_TYPES:
        problems.append(f"payload._type: {kind!r} is not an in-toto statement ({STATEMENT_TYPE})")
    subjects = _subjects(document.get("subject"), problems)
    predicate_type = document.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        problems.append("payload.predicateType: missing or not a string")
        predicate_type = ""
    predicate = document.get("predicate", {})
    if not isinstance(predicate, dict):
        problems.append("payload.predicate: not an object")
        predicate = {}
    if problems:
        raise AttestError(source, problems)
    return Statement(subjects, predicate_type, predicate)


def _subjects(value: object, problems: list[str]) -> tuple[Subject, ...]:
    if not isinstance(value, list) or not value:
        problems.append("payload.subject: missing or empty")
        return ()
    subjects = []
    for index, item in enumerate(value):
        where = f"payload.subject[{index}]"
        digest = item.get("digest") if isinstance(item, dict) else None
        if not isinstance(digest, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in digest.items()
        ):
            problems.append(f"{where}.digest: missing or not a map of algorithm to hex")
            continue
        name = item.get("name", "")
        subjects.append(Subject(name if isinstance(name, str) else "", dict(digest)))
    return tuple(subjects)
