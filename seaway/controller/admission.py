"""Binary authorization at sync: every image an app would run must carry the attestations its
stage's policy requires, or nothing of the app is synced.

An edge step the comparer calls: it resolves each image's tag to a digest in its registry, reads
the image's attestations (from the registry in cosign's layout, and from a files store when the
controller has one) and asks the pure verdict (`seaway.gates.attest.verify`). Which policy
applies is said by annotations, on the AppProject (every app of the project) and on the
Application (added to the project's, never instead of it):

    metadata:
      annotations:
        seaway.dev/attestation-policy: prod          # <policy dir>/prod.yaml on the controller
        seaway.dev/attestation-stage: prod           # the policy's stage; optional if it has one

A policy is a name, not a path: the files are the controller's (`--attestation-policy-dir`), so
whoever can edit an Application can choose among the policies but cannot write one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.gates.attest import (
    AttestationStore,
    AttestError,
    ImageRef,
    Policy,
    RegistryAttestations,
    Verdict,
    read_policy,
    verify,
)
from seaway.gates.images import ImageUse, images_in
from seaway.model import Application, AppProject
from seaway.notify import Hub, Trigger, emit
from seaway.registry import RegistryClient, RegistryError, parse_reference

POLICY_ANNOTATION = "seaway.dev/attestation-policy"
STAGE_ANNOTATION = "seaway.dev/attestation-stage"
GATE_REFUSED_EVENT = "gate.refused"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class VerdictError(Exception):
    """No verdict: the policy or the image cannot be read."""


@dataclass(frozen=True)
class Requirement:
    policy: str
    stage: str
    # Which object asked for it, for the message: "AppProject shop".
    owner: str


def requirements(app: Application, project: AppProject) -> list[Requirement]:
    found = []
    for owner, marks in (
        (f"AppProject {project.name}", project.metadata.annotations),
        (f"Application {app.name}", app.metadata.annotations),
    ):
        name = marks.get(POLICY_ANNOTATION)
        if name:
            found.append(Requirement(name.strip(), marks.get(STAGE_ANNOTATION, ""), owner))
    return found


@dataclass
class Admission:
    policy_dir: Path | None = None
    insecure_registries: Collection[str] = ()
    # Attestations kept as files (`seaway attest --store`), read besides the registry's.
    store: Path | None = None
    # Where refusals are published (None: the process's hub).
    hub: Hub | None = None
    _told: set[tuple[str, str, str]] = field(default_factory=set, repr=False)

    async def check(
        self, app: Application, project: AppProject, objects: Sequence[dict[str, Any]]
    ) -> list[str]:
        """Why the app may not be synced: one message per refused image; none when admitted."""
        wanted = requirements(app, project)
        if not wanted:
            return []
        refusals = await asyncio.to_thread(self._check, wanted, images_in(objects))
        self._announce(app, refusals)
        return [message for _, message in refusals]

    def _announce(self, app: Application, refusals: list[tuple[str, str]]) -> None:
        """on-gate-refused, once per app, image and reason: a refused app is checked again at
        every reconcile, and people want one message, not one a minute."""
        for image, message in refusals:
            key = (app.metadata.name, image, message)
            if key in self._told:
                continue
            self._told.add(key)
            emit(
                GATE_REFUSED_EVENT,
                app.metadata.name,
                trigger=Trigger.GATE_REFUSED,
                message=message,
                hub=self.hub,
                project=app.spec.project_name or "default",
                image=image,
                gate="admission",
            )

    def _check(self, wanted: list[Requirement], uses: list[ImageUse]) -> list[tuple[str, str]]:
        """(image, why) per refusal; the image is "" where no image was looked at."""
        refusals = []
        try:
            client = RegistryClient(insecure=self.insecure_registries)
        except RegistryError as exc:
            return [("", f"no image can be verified: {exc}")]
        # One client per check: its connections and tokens live no longer than the reconcile.
        with client:
            for requirement in wanted:
                try:
                    policy, stage = self._policy(requirement)
                except AttestError as exc:
                    refusals.append(("", f"attestation policy of {requirement.owner}: {exc}"))
                    continue
                for use in _unique(uses):
                    problem = self._refusal(client, use, policy, stage)
                    if problem:
                        refusals.append((use.image, problem))
        return refusals

    def verdict(self, image: str, policy: str, stage: str = "") -> Verdict:
        """The verdict for one image against a named policy, as a sync would judge it: what is
        present, what is missing, which signatures fail (blocking: call in a thread). Raises
        VerdictError for a bad policy name or stage, or an image that cannot be read."""
        try:
            chosen, stage = self._policy(Requirement(policy, stage, "the request"))
            with RegistryClient(insecure=self.insecure_registries) as client:
                pinned = _pinned(client, image)
                found = RegistryAttestations(client).load(pinned)
            if self.store is not None:
                found += AttestationStore(self.store).load(pinned)
        except (AttestError, RegistryError, ValueError) as exc:
            raise VerdictError(str(exc)) from exc
        return verify(pinned, found, chosen, stage)

    def _policy(self, requirement: Requirement) -> tuple[Policy, str]:
        name = requirement.policy
        if not _NAME.fullmatch(name) or name.endswith((".yaml", ".yml")):
            raise AttestError(
                POLICY_ANNOTATION, [f"{name!r} is not a policy name (letters, digits, . _ -)"]
            )
        if self.policy_dir is None:
            raise AttestError(
                POLICY_ANNOTATION,
                [f"names policy {name!r}, but the controller has no --attestation-policy-dir"],
            )
        policy = read_policy(self.policy_dir / f"{name}.yaml")
        stage = requirement.stage
        if not stage:
            if len(policy.stages) != 1:
                stages = ", ".join(sorted(policy.stages))
                raise AttestError(
                    STAGE_ANNOTATION, [f"missing: policy {name!r} has several stages ({stages})"]
                )
            stage = next(iter(policy.stages))
        policy.stage(stage)
        return policy, stage

    def _refusal(
        self, client: RegistryClient, use: ImageUse, policy: Policy, stage: str
    ) -> str | None:
        try:
            image = _pinned(client, use.image)
            found = RegistryAttestations(client).load(image)
            if self.store is not None:
                found += AttestationStore(self.store).load(image)
        except (RegistryError, AttestError, ValueError) as exc:
            return f"image {use.image} ({use.where}) cannot be verified for stage {stage}: {exc}"
        verdict = verify(image, found, policy, stage)
        if verdict.allowed:
            return None
        why = "; ".join([*verdict.missing, *verdict.problems])
        return f"image {use.image} ({use.where}) is refused for stage {stage}: {why}"


def _pinned(client: RegistryClient, text: str) -> ImageRef:
    reference = parse_reference(text)
    digest = reference.digest or client.resolve(reference)
    return ImageRef(reference.name, digest.removeprefix("sha256:"))


def _unique(uses: list[ImageUse]) -> list[ImageUse]:
    seen: dict[str, ImageUse] = {}
    for use in uses:
        seen.setdefault(use.image, use)
    return list(seen.values())
