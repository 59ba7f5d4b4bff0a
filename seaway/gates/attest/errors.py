"""Errors about attestation input (envelopes, keys, policy files) naming the file and the field."""

from __future__ import annotations

from collections.abc import Sequence


class AttestError(ValueError):
    """Input that cannot be used: one line per problem, each naming its file (or source)."""

    def __init__(self, source_name: str, problems: Sequence[str]) -> None:
        if not problems:
            raise ValueError("an AttestError needs at least one problem")
        self.source_name = source_name
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(f"{source_name}: {problem}" for problem in self.problems))
