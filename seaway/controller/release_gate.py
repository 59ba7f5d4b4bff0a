"""The attestation check of a stage's gate: each image of the release must carry what the
named policy requires for the stage (`checks.attestationPolicy` in the pipeline).

The policy files are the controller's (`--attestation-policy-dir`), as for binary
authorization at sync. A missing attestation is a wait, not a failed check: CI may still be
signing; the message names the image and what is missing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from seaway.controller.admission import GATE_REFUSED_EVENT
from seaway.gates.attest import (
    AttestationStore,
    AttestError,
    ImageRef,
    Policy,
    RegistryAttestations,
    read_policy,
    verify,
)
from seaway.model.pipeline import Stage
from seaway.notify import Hub, Trigger, emit
from seaway.promote.gate import Hold, HoldKind
from seaway.promote.release import Release
from seaway.registry import RegistryClient, RegistryError, parse_reference


@dataclass(frozen=True)
class AttestationGate:
    policy_dir: Path | None = None
    insecure_registries: Collection[str] = ()
    store: Path | None = None
    # Where refusals are published (None: the process's hub); each once per stage, image and
    # reason, though the loop judges the gate every round.
    hub: Hub | None = None
    _told: set[tuple[str, str, str]] = field(default_factory=set, repr=False, compare=False)

    def holds(self, target: Stage, release: Release) -> tuple[Hold, ...]:
        """What the release lacks to enter `target` (blocking: call in a thread)."""
        name = target.checks.attestation_policy
        if not name:
            return ()
        try:
            policy, stage = self._policy(name, target)
        except AttestError as exc:
            return (Hold(HoldKind.GATE, f"attestation policy {name!r}: {exc}"),)
        try:
            client = RegistryClient(insecure=self.insecure_registries)
        except RegistryError as exc:
            return (Hold(HoldKind.GATE, f"no image can be verified: {exc}"),)
        holds = []
        with client:
            for image in release.images:
                problem = self._problem(client, str(image), policy, stage)
                if problem:
                    holds.append(Hold(HoldKind.GATE, problem))
                    self._announce(target, str(image), problem)
        return tuple(holds)

    def _announce(self, target: Stage, image: str, problem: str) -> None:
        key = (target.name, image, problem)
        if key in self._told:
            return
        self._told.add(key)
        emit(
            GATE_REFUSED_EVENT,
            target.apps[0] if target.apps else target.name,
            trigger=Trigger.GATE_REFUSED,
            message=problem,
            hub=self.hub,
            image=image,
            stage=target.name,
            gate="promotion",
        )

    def _policy(self, name: str, target: Stage) -> tuple[Policy, str]:
        if self.policy_dir is None:
            raise AttestError(
                "checks.attestationPolicy", ["the controller has no --attestation-policy-dir"]
            )
        if "/" in name or name.startswith(".") or name.endswith((".yaml", ".yml")):
            raise AttestError("checks.attestationPolicy", [f"{name!r} is not a policy name"])
        policy = read_policy(self.policy_dir / f"{name}.yaml")
        # The policy's stage of the same name, else its only stage.
        if target.name in policy.stages or len(policy.stages) != 1:
            policy.stage(target.name)
            return policy, target.name
        return policy, next(iter(policy.stages))

    def _problem(self, client: RegistryClient, text: str, policy: Policy, stage: str) -> str:
        try:
            reference = parse_reference(text)
            digest = reference.digest or client.resolve(reference)
            image = ImageRef(reference.name, digest.removeprefix("sha256:"))
            found = RegistryAttestations(client).load(image)
            if self.store is not None:
                found += AttestationStore(self.store).load(image)
        except (RegistryError, AttestError, ValueError) as exc:
            return f"image {text} cannot be verified for stage {stage}: {exc}"
        verdict = verify(image, found, policy, stage)
        if verdict.allowed:
            return ""
        why = "; ".join([*verdict.missing, *verdict.problems])
        return f"image {text} lacks what stage {stage} requires: {why}"
