"""Interop: cosign itself verifies the DSSE attestations Seaway signs, offline, from a file.

`cosign verify-blob-attestation --key PUB --signature ENVELOPE --type URI --digest HEX
--digestAlg sha256 --insecure-ignore-tlog` checks the signature over DSSE's PAE with the public
key and that the in-toto subject carries the digest: the same contract as `seaway verify`.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from seaway.gates.attest import (
    Algorithm,
    PredicateKind,
    TestResult,
    generate_key,
    parse_image_ref,
    sign_envelope,
    statement_for,
)
from testbed.build import BuildError, GoComponent, ensure_built

COSIGN = GoComponent(
    name="cosign",
    module="github.com/sigstore/cosign/v2",
    version="v2.6.5",
    packages=("github.com/sigstore/cosign/v2/cmd/cosign",),
    ldflags=("-s", "-w"),
)

HEX = "ab" * 32
IMAGE = parse_image_ref(f"registry.example.com/shop/api@sha256:{HEX}")


@pytest.fixture(scope="module")
def cosign() -> Path:
    try:
        built = ensure_built(COSIGN, log=False)
    except BuildError as exc:
        pytest.skip(f"cosign {COSIGN.version} could not be built here: {exc}")
    return built.binary("cosign")


def _verify(cosign: Path, tmp: Path, pub: Path, envelope: Path, digest: str = HEX) -> str:
    done = subprocess.run(
        [
            str(cosign), "verify-blob-attestation", "--key", str(pub), "--signature",
            str(envelope), "--type", PredicateKind.TEST_RESULT.uri, "--digest", digest,
            "--digestAlg", "sha256", "--insecure-ignore-tlog",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        # Offline: a Rekor key named in the environment stops cosign fetching Sigstore's
        # trusted root over TUF; with --insecure-ignore-tlog it is never used.
        env={"SIGSTORE_REKOR_PUBLIC_KEY": str(pub), "TUF_ROOT": str(tmp / "tuf"), "HOME": str(tmp)},
    )  # fmt: skip
    return ("ok " if done.returncode == 0 else "failed ") + done.stderr


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_cosign_verifies_seaway_attestations(
    cosign: Path, tmp_path: Path, algorithm: Algorithm
) -> None:
    key = generate_key(algorithm)
    pub = tmp_path / "key.pub"
    pub.write_bytes(key.public.pem())
    predicate = TestResult(suite="unit", passed=True).to_predicate()
    envelope = sign_envelope(
        statement_for(IMAGE, PredicateKind.TEST_RESULT.uri, predicate).to_json(), key
    )
    path = tmp_path / "test-result.dsse.json"
    path.write_bytes(envelope.to_json())

    result = _verify(cosign, tmp_path, pub, path)
    assert result.startswith("ok "), result
    assert "Verified OK" in result

    wrong_digest = _verify(cosign, tmp_path, pub, path, digest="cd" * 32)
    assert wrong_digest.startswith("failed "), wrong_digest
    assert "no matching subject digest found" in wrong_digest

    other = tmp_path / "other.pub"
    other.write_bytes(generate_key(algorithm).public.pem())
    wrong_key = _verify(cosign, tmp_path, other, path)
    assert wrong_key.startswith("failed ")
    assert "accepted signatures do not match threshold" in wrong_key

    document = json.loads(path.read_bytes())
    payload = base64.b64decode(document["payload"]).replace(b'"suite":"unit"', b'"suite":"unix"')
    document["payload"] = base64.b64encode(payload).decode()
    tampered = tmp_path / "tampered.dsse.json"
    tampered.write_text(json.dumps(document))
    modified = _verify(cosign, tmp_path, pub, tampered)
    assert modified.startswith("failed ")
    assert "accepted signatures do not match threshold" in modified
