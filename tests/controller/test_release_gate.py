"""The attestation check of a stage's gate against a real OCI registry (crane): the release's
image is held until a passing test-result attestation signed by a trusted key is pushed."""

from __future__ import annotations

from pathlib import Path

from seaway.controller.release_gate import AttestationGate
from seaway.gates.attest import (
    PredicateKind,
    RegistryAttestations,
    TestResult,
    generate_key,
    parse_image_ref,
    sign_envelope,
    statement_for,
)
from seaway.model.pipeline import Stage
from seaway.promote.gate import HoldKind
from seaway.promote.release import Release
from seaway.promote.writeback import parse_image_ref as parse_release_ref
from seaway.registry import RegistryClient
from tests.oci_registry import Registry

PROD = Stage.model_validate(
    {"name": "prod", "apps": ["web-prod"], "checks": {"attestationPolicy": "release"}}
)


def test_release_waits_for_its_attestation(tmp_path: Path, oci_registry: Registry) -> None:
    key = generate_key()
    (tmp_path / "ci.pub").write_bytes(key.public.pem())
    (tmp_path / "release.yaml").write_text(
        "stages:\n  prod:\n    trustedKeys: [{path: ci.pub}]\n"
        "    require: [{predicateType: test-result, passed: true}]\n"
    )
    digest = oci_registry.push_image("shop/web", "2.0.0")
    image = f"{oci_registry.host}/shop/web:2.0.0"
    release = Release((parse_release_ref(image),))
    gate = AttestationGate(tmp_path, (oci_registry.host,))

    [hold] = gate.holds(PROD, release)
    assert hold.kind is HoldKind.GATE
    assert not hold.failed
    assert hold.message.startswith(f"image {image} lacks what stage prod requires: ")
    assert "test-result" in hold.message

    ref = parse_image_ref(f"{oci_registry.host}/shop/web@{digest}")
    predicate = TestResult(suite="e2e", passed=True, failed=0)
    envelope = sign_envelope(
        statement_for(ref, PredicateKind.TEST_RESULT.uri, predicate.to_predicate()).to_json(),
        key,
    )
    with RegistryClient(insecure=[oci_registry.host], credentials={}) as client:
        RegistryAttestations(client).push(ref, PredicateKind.TEST_RESULT, envelope)
    assert gate.holds(PROD, release) == ()


def test_a_missing_policy_is_a_hold_that_says_so(tmp_path: Path) -> None:
    release = Release((parse_release_ref("registry.example/web:2"),))
    [hold] = AttestationGate(None).holds(PROD, release)
    assert "the controller has no --attestation-policy-dir" in hold.message
    [hold] = AttestationGate(tmp_path).holds(PROD, release)
    assert "release.yaml" in hold.message
    assert AttestationGate(tmp_path).holds(Stage(name="qa", apps=["a"]), release) == ()
