"""The severity scale shared by every scanner format, and the fix states of a finding."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """Grype's scale. Trivy's is the same without Negligible."""

    UNKNOWN = "unknown"
    NEGLIGIBLE = "negligible"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank

    @classmethod
    def from_name(cls, name: str) -> Severity | None:
        """The severity a scanner spells `name` (any case), or None when it is none of them."""
        try:
            return cls(name.strip().lower())
        except ValueError:
            return None


# Unknown ranks lowest, as in Grype: a finding without a severity never fails a threshold.
_RANKS = {severity: rank for rank, severity in enumerate(Severity)}

# Highest first: the order people read a summary in.
SEVERITIES_HIGH_TO_LOW: tuple[Severity, ...] = tuple(reversed(Severity))


class FixState(StrEnum):
    """Grype's fix states; Trivy's statuses map onto them."""

    FIXED = "fixed"
    NOT_FIXED = "not-fixed"
    WONT_FIX = "wont-fix"
    UNKNOWN = "unknown"
