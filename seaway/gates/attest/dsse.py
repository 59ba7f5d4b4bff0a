"""DSSE (Dead Simple Signing Envelope) v1: the pre-authentication encoding and the JSON envelope.

Pure. Signatures cover PAE(payloadType, payload), never the JSON around them, so re-encoding
the envelope (key order, base64 flavour) never breaks a signature. The `keyid` of a signature is
an unauthenticated hint: it narrows the keys to try and is never trusted on its own.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from seaway.gates.attest.errors import AttestError
from seaway.gates.attest.keys import SigningKey

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSEv1 SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes as ASCII decimal."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def signed_bytes(self) -> bytes:
        return pae(self.payload_type, self.payload)

    def to_json(self) -> bytes:
        # Standard base64: cosign decodes the payload with it, and DSSE verifiers accept both.
        document = {
            "payloadType": self.payload_type,
            "payload": base64.b64encode(self.payload).decode(),
            "signatures": [
                {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()} for s in self.signatures
            ],
        }
        return json.dumps(document, indent=2).encode() + b"\n"


def sign(payload: bytes, key: SigningKey, payload_type: str = IN_TOTO_PAYLOAD_TYPE) -> Envelope:
    signature = Signature(key.public.keyid, key.sign(pae(payload_type, payload)))
    return Envelope(payload_type, payload, (signature,))


def parse_envelope(data: bytes, source: str) -> Envelope:
    try:
        document: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AttestError(source, [f"not a DSSE envelope: not JSON ({exc})"]) from None
    if not isinstance(document, dict):
        raise AttestError(source, ["not a DSSE envelope: expected a JSON object"])
    problems: list[str] = []
    payload_type = document.get("payloadType")
    if not isinstance(payload_type, str) or not payload_type:
        problems.append("payloadType: missing or not a string")
    payload = _base64_field(document.get("payload"), "payload", problems)
    raw_signatures = document.get("signatures")
    signatures: list[Signature] = []
    if not isinstance(raw_signatures, list) or not raw_signatures:
        problems.append("signatures: missing or empty")
    else:
        for index, item in enumerate(raw_signatures):
            where = f"signatures[{index}]"
            if not isinstance(item, dict):
                problems.append(f"{where}: expected an object")
                continue
            keyid = item.get("keyid", "")
            if not isinstance(keyid, str):
                problems.append(f"{where}.keyid: not a string")
                keyid = ""
            sig = _base64_field(item.get("sig"), f"{where}.sig", problems)
            if sig is not None:
                signatures.append(Signature(keyid, sig))
    if problems or not isinstance(payload_type, str) or payload is None:
        raise AttestError(source, problems)
    return Envelope(payload_type, payload, tuple(signatures))


def _base64_field(value: object, where: str, problems: list[str]) -> bytes | None:
    if not isinstance(value, str):
        problems.append(f"{where}: missing or not a string")
        return None
    # DSSE lets signers use standard or URL-safe base64, so accept either.
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        problems.append(f"{where}: not base64")
        return None
