"""Attestations stored in an OCI registry in cosign's layout: the module's registry I/O.

`cosign attest` stores an image's attestations under the tag `sha256-<hex>.att` of the image's
own repository: an OCI image manifest whose layers are DSSE envelopes (media type
`application/vnd.dsse.envelope.v1+json`), each annotated with its `predicateType`, and whose
config lists the layers as its rootfs. Seaway writes the same, so cosign verifies what Seaway
pushes and Seaway verifies what cosign pushes.

A newer attestation of a kind replaces the older ones of the same predicate type (as
`cosign attest --replace` does and the files store does); approvals are added, one per approver.
Layers of predicate types Seaway does not know are kept untouched. The tag is rewritten
read-modify-write: two pushes for one image at the same moment can lose one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from seaway.gates.attest.dsse import Envelope
from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.predicates import PredicateKind
from seaway.gates.attest.statement import ImageRef
from seaway.gates.attest.verify import Attestation
from seaway.registry import (
    OCI_CONFIG,
    OCI_MANIFEST,
    Reference,
    RegistryClient,
    RegistryError,
    parse_reference,
)

DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"
PREDICATE_TYPE_ANNOTATION = "predicateType"
# cosign marks every signature-bearing layer so; for a DSSE layer the signature is inside.
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"


def attestation_tag(digest: str) -> str:
    """`sha256:<hex>` -> `sha256-<hex>.att`, the tag cosign reads attestations from."""
    return digest.replace(":", "-", 1) + ".att"


def registry_reference(image: ImageRef) -> Reference:
    """Where an image pinned by digest lives; AttestError when its name names no repository."""
    if not image.name:
        raise AttestError(str(image), ["names no repository: give REGISTRY/REPOSITORY@sha256:..."])
    try:
        return parse_reference(image.name).with_digest(image.digest)
    except ValueError as exc:
        raise AttestError(str(image), [str(exc)]) from None


@dataclass(frozen=True)
class Layer:
    digest: str
    size: int
    predicate_type: str

    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": DSSE_MEDIA_TYPE,
            "size": self.size,
            "digest": self.digest,
            "annotations": {
                SIGNATURE_ANNOTATION: "",
                PREDICATE_TYPE_ANNOTATION: self.predicate_type,
            },
        }


def config_for(layers: list[Layer]) -> bytes:
    """The image config cosign writes beside its layers: empty but for the rootfs."""
    document = {
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"} for _ in layers],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [layer.digest for layer in layers]},
        "config": {},
    }
    return json.dumps(document, separators=(",", ":")).encode()


def manifest_for(layers: list[Layer], config: bytes, config_digest: str) -> bytes:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": config_digest},
        "layers": [layer.descriptor() for layer in layers],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def dsse_layers(manifest: dict[str, Any]) -> list[Layer]:
    found = []
    for entry in manifest.get("layers") or []:
        if isinstance(entry, dict) and entry.get("mediaType") == DSSE_MEDIA_TYPE:
            annotations = entry.get("annotations") or {}
            found.append(
                Layer(
                    str(entry.get("digest", "")),
                    int(entry.get("size", 0)),
                    str(annotations.get(PREDICATE_TYPE_ANNOTATION, "")),
                )
            )
    return found


@dataclass
class RegistryAttestations:
    client: RegistryClient

    def push(self, image: ImageRef, kind: PredicateKind, envelope: Envelope) -> str:
        """Add the attestation to the image's `.att` tag; return where it went."""
        ref = registry_reference(image)
        tag = attestation_tag(image.digest)
        where = f"{ref.name}:{tag}"
        try:
            # The image must be there: an attestation of a digest nobody pushed helps no one.
            self.client.manifest(ref)
            existing = self._current(ref.with_tag(tag))
            data = envelope.to_json()
            digest = self.client.push_blob(ref, data)
            kept = [
                layer
                for layer in existing
                if kind is PredicateKind.APPROVAL
                or layer.predicate_type != kind.uri
                or layer.digest == digest
            ]
            if not any(layer.digest == digest for layer in kept):
                kept.append(Layer(digest, len(data), kind.uri))
            config = config_for(kept)
            config_digest = self.client.push_blob(ref, config)
            self.client.push_manifest(
                ref, tag, manifest_for(kept, config, config_digest), OCI_MANIFEST
            )
        except RegistryError as exc:
            raise AttestError(where, [str(exc)]) from None
        return where

    def load(self, image: ImageRef) -> list[Attestation]:
        """Every DSSE attestation stored for the image; none when the tag does not exist."""
        ref = registry_reference(image)
        tag = attestation_tag(image.digest)
        where = f"{ref.name}:{tag}"
        try:
            layers = self._current(ref.with_tag(tag))
            return [
                Attestation(
                    f"{where} layer {index} ({layer.predicate_type or 'no predicateType'})",
                    self.client.blob(ref, layer.digest),
                )
                for index, layer in enumerate(layers)
            ]
        except RegistryError as exc:
            raise AttestError(where, [str(exc)]) from None

    def _current(self, att: Reference) -> list[Layer]:
        try:
            manifest = self.client.manifest(att)
        except RegistryError as exc:
            if exc.not_found:
                return []
            raise
        return dsse_layers(manifest.document())
