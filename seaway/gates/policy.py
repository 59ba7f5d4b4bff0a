"""What a vulnerability gate allows: the user's policy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from seaway.gates.severity import Severity


class ScanPolicy(BaseModel):
    """Fail when a counted vulnerability is at or above `fail_on`.

    `only_fixed` counts only vulnerabilities with a fix available (the ones a rebuild can
    remove); `allow` names vulnerabilities accepted on purpose, by their own id or any related
    id (a GHSA's CVE), compared without regard to case.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    fail_on: Severity = Field(alias="failOn")
    only_fixed: bool = Field(False, alias="onlyFixed")
    allow: frozenset[str] = frozenset()

    @field_validator("fail_on", mode="before")
    @classmethod
    def _fail_on(cls, value: object) -> object:
        if isinstance(value, str):
            severity = Severity.from_name(value)
            if severity is None:
                names = ", ".join(severity.value for severity in reversed(Severity))
                raise ValueError(f"{value!r} is not a severity; expected one of {names}")
            return severity
        return value

    @field_validator("allow", mode="after")
    @classmethod
    def _allow(cls, value: frozenset[str]) -> frozenset[str]:
        cleaned = frozenset(item.strip() for item in value)
        if "" in cleaned:
            raise ValueError("an allowed vulnerability id cannot be empty")
        return cleaned

    def allows(self, ids: tuple[str, ...]) -> frozenset[str]:
        """The entries of `allow` that name any of `ids`."""
        wanted = {item.upper(): item for item in self.allow}
        return frozenset(wanted[i.upper()] for i in ids if i.upper() in wanted)
