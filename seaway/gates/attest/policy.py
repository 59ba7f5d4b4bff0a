"""Which attestations each stage needs: the policy file (YAML) and its resolved form.

Pure: key files named by the policy are read through the `read_key_file` callable the caller
passes (files.py reads them relative to the policy file). Every error names the policy file and
the field, e.g. `policy.yaml: stages.prod.require[1].failOn: ...`.

    stages:
      prod:
        trustedKeys:
          - path: keys/ci.pub              # relative to this file
          - pem: |                          # or inline
              -----BEGIN PUBLIC KEY-----
              ...
            expires: 2026-12-31T00:00:00Z  # signatures stop counting after this
        require:
          - predicateType: test-result     # short name or predicate type URI
            passed: true
          - predicateType: scan
            failOn: high                   # no counted finding at high or above
          - predicateType: approval
            approvers: [alice@example.com]
            trustedKeys: [{path: keys/release.pub}]   # instead of the stage's keys
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.keys import VerifyingKey, load_public_key
from seaway.gates.attest.predicates import PredicateKind, known_types
from seaway.gates.errors import validation_problems
from seaway.gates.severity import Severity


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class KeySpec(_Strict):
    path: str | None = None
    pem: str | None = None
    expires: datetime | None = None

    @model_validator(mode="after")
    def _one_source(self) -> KeySpec:
        if (self.path is None) == (self.pem is None):
            raise ValueError("give exactly one of path and pem")
        if self.expires is not None and self.expires.tzinfo is None:
            raise ValueError("expires needs a time zone (e.g. 2026-12-31T00:00:00Z)")
        return self


class RequirementSpec(_Strict):
    predicate_type: PredicateKind = Field(alias="predicateType")
    passed: bool | None = None
    fail_on: Severity | None = Field(None, alias="failOn")
    approvers: list[str] | None = Field(None, min_length=1)
    trusted_keys: list[KeySpec] | None = Field(None, alias="trustedKeys", min_length=1)

    @field_validator("predicate_type", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        if isinstance(value, str):
            kind = PredicateKind.from_name(value)
            if kind is None:
                raise ValueError(f"unknown predicate type {value!r}; known: {known_types()}")
            return kind
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        if isinstance(value, str):
            severity = Severity.from_name(value)
            if severity is None:
                names = ", ".join(s.value for s in reversed(Severity))
                raise ValueError(f"{value!r} is not a severity; expected one of {names}")
            return severity
        return value

    @model_validator(mode="after")
    def _conditions_fit(self) -> RequirementSpec:
        fits = {
            "passed": (self.passed, PredicateKind.TEST_RESULT),
            "failOn": (self.fail_on, PredicateKind.SCAN),
            "approvers": (self.approvers, PredicateKind.APPROVAL),
        }
        for name, (value, kind) in fits.items():
            if value is not None and self.predicate_type is not kind:
                raise ValueError(f"{name} applies to {kind.value}, not {self.predicate_type.value}")
        return self


class StageSpec(_Strict):
    trusted_keys: list[KeySpec] = Field(alias="trustedKeys", min_length=1)
    require: list[RequirementSpec] = Field(min_length=1)


class PolicyFile(_Strict):
    stages: dict[str, StageSpec] = Field(min_length=1)


@dataclass(frozen=True)
class TrustedKey:
    key: VerifyingKey
    expires: datetime | None
    # Where the policy names it, for messages.
    origin: str

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and now >= self.expires


@dataclass(frozen=True)
class Rule:
    kind: PredicateKind
    keys: tuple[TrustedKey, ...]
    passed: bool | None = None
    fail_on: Severity | None = None
    approvers: frozenset[str] | None = None


@dataclass(frozen=True)
class StagePolicy:
    name: str
    rules: tuple[Rule, ...]

    def keys(self) -> tuple[TrustedKey, ...]:
        """Every key any rule of this stage trusts, each once."""
        seen: dict[str, TrustedKey] = {}
        for rule in self.rules:
            for trusted in rule.keys:
                seen.setdefault(trusted.key.keyid, trusted)
        return tuple(seen.values())


@dataclass(frozen=True)
class Policy:
    source: str
    stages: Mapping[str, StagePolicy]

    def stage(self, name: str) -> StagePolicy:
        try:
            return self.stages[name]
        except KeyError:
            names = ", ".join(sorted(self.stages))
            raise AttestError(self.source, [f"stages: no stage {name!r} (has {names})"]) from None


def parse_policy(text: str | bytes, source: str, read_key_file: Callable[[str], bytes]) -> Policy:
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AttestError(source, [f"not YAML: {exc}"]) from None
    if not isinstance(document, dict):
        raise AttestError(source, ["expected a mapping with `stages`"])
    try:
        spec = PolicyFile.model_validate(document)
    except ValidationError as exc:
        raise AttestError(source, validation_problems(exc)) from None

    problems: list[str] = []
    stages: dict[str, StagePolicy] = {}
    for name, stage in spec.stages.items():
        where = f"stages.{name}"
        stage_keys = _keys(stage.trusted_keys, f"{where}.trustedKeys", read_key_file, problems)
        rules = []
        for index, req in enumerate(stage.require):
            keys = stage_keys
            if req.trusted_keys is not None:
                keys = _keys(
                    req.trusted_keys,
                    f"{where}.require[{index}].trustedKeys",
                    read_key_file,
                    problems,
                )
            rules.append(
                Rule(
                    kind=req.predicate_type,
                    keys=keys,
                    passed=req.passed,
                    fail_on=req.fail_on,
                    approvers=frozenset(req.approvers) if req.approvers is not None else None,
                )
            )
        stages[name] = StagePolicy(name, tuple(rules))
    if problems:
        raise AttestError(source, problems)
    return Policy(source, stages)


def _keys(
    specs: list[KeySpec],
    where: str,
    read_key_file: Callable[[str], bytes],
    problems: list[str],
) -> tuple[TrustedKey, ...]:
    keys = []
    for index, spec in enumerate(specs):
        field = f"{where}[{index}]"
        if spec.path is not None:
            field += ".path"
            try:
                pem = read_key_file(spec.path)
            except OSError as exc:
                problems.append(f"{field}: cannot read {spec.path}: {exc.strerror or exc}")
                continue
            origin = spec.path
        else:
            field += ".pem"
            pem = (spec.pem or "").encode()
            origin = f"{where}[{index}]"
        try:
            key = load_public_key(pem, origin)
        except AttestError as exc:
            problems.extend(f"{field}: {problem}" for problem in exc.problems)
            continue
        keys.append(TrustedKey(key, spec.expires, origin))
    return tuple(keys)
