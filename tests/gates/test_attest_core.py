"""Attestations without the command line: PAE, DSSE, keys, statements, policy and verdicts."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from seaway.gates import ScanPolicy, Severity, evaluate, parse_report
from seaway.gates.attest import (
    IN_TOTO_PAYLOAD_TYPE,
    STATEMENT_TYPE,
    VULNS_TYPE,
    Algorithm,
    Approval,
    Attestation,
    AttestationStore,
    AttestError,
    Envelope,
    Policy,
    PredicateKind,
    Signature,
    SigningKey,
    TestResult,
    VerifyingKey,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    pae,
    parse_envelope,
    parse_image_ref,
    parse_policy,
    read_policy,
    scan_predicate,
    sign_envelope,
    statement_for,
    verify,
)
from tests.gates.reports import mixed_grype_report

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
IMAGE = parse_image_ref(f"registry.example.com/shop/api:1.4.2@{DIGEST}")
NOW = datetime(2025, 6, 1, tzinfo=UTC)


# --- PAE and the DSSE spec's own test vector -------------------------------------------------


def test_pae_matches_the_dsse_spec_example() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_counts_bytes_not_characters() -> None:
    body = "héllo".encode()
    assert pae("t", body) == b"DSSEv1 1 t 6 " + body
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_dsse_spec_signature_verifies_over_our_pae() -> None:
    # The key and signature published in DSSE's protocol.md (raw r||s, ECDSA P-256 SHA-256).
    x = 46950820868899156662930047687818585632848591499744589407958293238635476079160
    y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
    raw = base64.b64decode(
        "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
    )
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    key = VerifyingKey(public, Algorithm.ECDSA_P256, key_id(public))
    envelope = parse_envelope(
        b'{"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld",'
        b' "signatures": [{"sig": "' + base64.b64encode(der) + b'"}]}',
        "spec.json",
    )
    assert envelope.payload == b"hello world"
    assert key.verify(envelope.signatures[0].sig, envelope.signed_bytes())
    assert not key.verify(der, pae("http://example.com/HelloWorld", b"hello world!"))


# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_sign_and_verify_round_trip(algorithm: Algorithm) -> None:
    key = generate_key(algorithm)
    envelope = sign_envelope(b'{"x":1}', key)
    again = parse_envelope(envelope.to_json(), "mem")
    assert again == envelope
    assert again.payload_type == IN_TOTO_PAYLOAD_TYPE
    assert again.signatures[0].keyid == key.public.keyid
    assert key.public.verify(again.signatures[0].sig, again.signed_bytes())
    assert not generate_key(algorithm).public.verify(again.signatures[0].sig, again.signed_bytes())


def test_key_id_is_sha256_of_the_der_public_key() -> None:
    key = generate_key()
    der = key.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key.public.keyid == hashlib.sha256(der).hexdigest()
    assert load_public_key(key.public.pem(), "pub").keyid == key.public.keyid


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_private_key_pem_with_and_without_password(algorithm: Algorithm) -> None:
    key = generate_key(algorithm)
    plain = load_private_key(key.private_pem(), "k")
    assert plain.public.keyid == key.public.keyid
    locked = key.private_pem(b"correct horse")
    assert b"ENCRYPTED" in locked
    assert load_private_key(locked, "k", b"correct horse").public.keyid == key.public.keyid
    with pytest.raises(AttestError, match="k: the key is encrypted: give its password"):
        load_private_key(locked, "k")
    with pytest.raises(AttestError, match="k: wrong password"):
        load_private_key(locked, "k", b"wrong")


def test_key_repr_shows_no_key_material() -> None:
    key = generate_key()
    body = key.private_pem().decode().splitlines()[1]
    assert body not in repr(key)
    assert "private_key" not in repr(key)


def test_unsupported_algorithms_are_refused_by_name() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(AttestError, match=r"ci.pub: unsupported algorithm RSA-2048; Seaway"):
        load_public_key(pem, "ci.pub")
    p384 = ec.generate_private_key(ec.SECP384R1())
    private = p384.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(AttestError, match="unsupported algorithm ECDSA over secp384r1"):
        load_private_key(private, "ci.key")
    with pytest.raises(AttestError, match="not a PEM public key"):
        load_public_key(b"hello", "x.pub")


# --- statements and predicates ------------------------------------------------------------------


def test_image_reference_must_be_pinned_by_digest() -> None:
    assert IMAGE.name == "registry.example.com/shop/api"
    assert IMAGE.digest == DIGEST
    assert parse_image_ref(DIGEST).name == ""
    assert parse_image_ref(f"localhost:5000/api@{DIGEST}").name == "localhost:5000/api"
    for bad in ("registry.example.com/shop/api:1.4.2", f"api@{DIGEST[:-1]}", "api@sha512:00"):
        with pytest.raises(ValueError, match="not pinned by digest"):
            parse_image_ref(bad)


def test_statement_shape() -> None:
    statement = statement_for(IMAGE, "https://example.com/p/v1", {"a": 1})
    document = json.loads(statement.to_json())
    assert document == {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": "registry.example.com/shop/api", "digest": {"sha256": "ab" * 32}}],
        "predicateType": "https://example.com/p/v1",
        "predicate": {"a": 1},
    }


def test_scan_predicate_from_a_gate_result() -> None:
    report = parse_report(json.dumps(mixed_grype_report()).encode(), "grype.json")
    result = evaluate(
        report,
        ScanPolicy(fail_on=Severity.HIGH, only_fixed=False, allow=frozenset({"CVE-2024-0001"})),
    )
    vulns = scan_predicate(report, result)
    document = vulns.to_predicate()
    assert document["scanner"]["uri"] == "pkg:github/anchore/grype@0.87.0"
    assert len(document["scanner"]["result"]) == len(report.findings)
    first = next(r for r in document["scanner"]["result"] if r["id"] == "CVE-2024-0001")
    assert first["annotations"]["seaway.dev/counted"] is False
    assert first["annotations"]["seaway.dev/notCountedBecause"] == "allowed"
    # What counts at verification is what the gate counted.
    counted_high = {f.id for f in result.failing}
    assert {r.id for r in vulns.at_or_above(Severity.HIGH)} == counted_high


# --- verdicts ---------------------------------------------------------------------------------


class Signer:
    """One CI key and one release-manager key, and a policy trusting them."""

    def __init__(self, tmp_path: Path, algorithm: Algorithm = Algorithm.ECDSA_P256) -> None:
        self.ci = generate_key(algorithm)
        self.release = generate_key(Algorithm.ED25519)
        self.tmp = tmp_path
        (tmp_path / "ci.pub").write_bytes(self.ci.public.pem())

    def policy_text(self, extra_key: str = "") -> str:
        release_pem = self.release.public.pem().decode().replace("\n", "\n                ")
        return f"""
stages:
  staging:
    trustedKeys: [{{path: ci.pub}}]
    require:
      - predicateType: test-result
  prod:
    trustedKeys:
      - path: ci.pub{extra_key}
    require:
      - predicateType: test-result
        passed: true
      - predicateType: {VULNS_TYPE}
        failOn: high
      - predicateType: approval
        approvers: [alice@example.com, bob@example.com]
        trustedKeys:
          - pem: |
                {release_pem}
"""

    def policy(self, extra_key: str = "") -> Policy:
        path = self.tmp / "policy.yaml"
        path.write_text(self.policy_text(extra_key))
        return read_policy(path)

    def envelope(
        self, kind: PredicateKind, predicate: dict[str, object], key: SigningKey | None = None
    ) -> Envelope:
        statement = statement_for(IMAGE, kind.uri, predicate)
        return sign_envelope(statement.to_json(), key or self.ci)

    def good(self) -> list[Attestation]:
        approval = Approval(
            approver="alice@example.com", stage="prod", approvedAt=NOW - timedelta(hours=1)
        )
        return [
            att("tests.json", self.envelope(PredicateKind.TEST_RESULT, passing())),
            att("scan.json", self.envelope(PredicateKind.SCAN, clean_scan())),
            att(
                "approval.json",
                self.envelope(PredicateKind.APPROVAL, approval.to_predicate(), self.release),
            ),
        ]


def att(source: str, envelope: Envelope) -> Attestation:
    return Attestation(source, envelope.to_json())


def passing() -> dict[str, object]:
    return TestResult(suite="unit", passed=True, command="pytest", commit="f" * 40).to_predicate()


def clean_scan(severity: str = "low") -> dict[str, object]:
    return {
        "scanner": {
            "uri": "pkg:github/anchore/grype@0.87.0",
            "result": [{"id": "CVE-1", "severity": [{"method": "grype", "score": severity}]}],
        }
    }


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_all_requirements_met_is_allowed(tmp_path: Path, algorithm: Algorithm) -> None:
    signer = Signer(tmp_path, algorithm)
    verdict = verify(IMAGE, signer.good(), signer.policy(), "prod", now=NOW)
    assert verdict.allowed, verdict
    assert verdict.missing == ()
    assert verdict.problems == ()
    assert len(verdict.satisfied) == 3
    assert verdict.satisfied[0].startswith("test-result: suite unit passed at commit ffffffffffff")
    assert "signed by key " + signer.ci.public.short_id in verdict.satisfied[0]


def test_missing_attestation_is_named(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    verdict = verify(IMAGE, signer.good()[1:], signer.policy(), "prod", now=NOW)
    assert not verdict.allowed
    assert verdict.missing == (
        f"no test-result attestation for {DIGEST} signed by a trusted key "
        f"(trusted: {signer.ci.public.short_id})",
    )


def test_tampered_payload_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    good = signer.good()
    envelope = parse_envelope(good[0].data, "tests.json")
    forged = envelope.payload.replace(b'"passed":true', b'"passed":false')
    assert forged != envelope.payload
    tampered = Envelope(envelope.payload_type, forged, envelope.signatures)
    verdict = verify(
        IMAGE,
        [att("tests.json", tampered), *good[1:]],
        signer.policy(),
        "prod",
        now=NOW,
    )
    assert not verdict.allowed
    assert verdict.problems == (
        f"tests.json: signature by key {signer.ci.public.short_id} does not verify: "
        "the payload or the signature was modified after signing",
    )
    assert verdict.missing[0].startswith("no test-result attestation for")


def test_wrong_key_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    stranger = generate_key()
    good = signer.good()
    forged = att("tests.json", signer.envelope(PredicateKind.TEST_RESULT, passing(), stranger))
    verdict = verify(IMAGE, [forged, *good[1:]], signer.policy(), "prod", now=NOW)
    assert not verdict.allowed
    assert verdict.problems == (
        f"tests.json: signed by key {stranger.public.short_id}, which stage prod does not trust",
    )


def test_approval_signed_by_the_ci_key_does_not_count(tmp_path: Path) -> None:
    # The CI key is trusted in prod, but not for approvals.
    signer = Signer(tmp_path)
    good = signer.good()
    approval = Approval(approver="alice@example.com", stage="prod", approvedAt=NOW)
    by_ci = att("approval.json", signer.envelope(PredicateKind.APPROVAL, approval.to_predicate()))
    verdict = verify(IMAGE, [*good[:2], by_ci], signer.policy(), "prod", now=NOW)
    assert not verdict.allowed
    assert verdict.missing == (
        f"no approval attestation for {DIGEST} signed by a trusted key "
        f"(trusted: {signer.release.public.short_id})",
    )


def test_wrong_subject_digest_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    good = signer.good()
    other = parse_image_ref(f"registry.example.com/shop/api@{OTHER}")
    envelope = sign_envelope(
        statement_for(other, PredicateKind.TEST_RESULT.uri, passing()).to_json(), signer.ci
    )
    verdict = verify(IMAGE, [att("t.json", envelope), *good[1:]], signer.policy(), "prod", now=NOW)
    assert not verdict.allowed
    assert verdict.problems == (
        f"t.json: the test-result attestation is for {OTHER}, not {DIGEST}",
    )


def test_unknown_predicate_type_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    good = signer.good()
    envelope = sign_envelope(
        statement_for(IMAGE, "https://example.com/mystery/v1", {}).to_json(), signer.ci
    )
    verdict = verify(IMAGE, [att("m.json", envelope), *good], signer.policy(), "prod", now=NOW)
    assert verdict.allowed
    assert verdict.problems[0].startswith(
        "m.json: unknown predicate type 'https://example.com/mystery/v1'; known: test-result ("
    )


def test_expired_key_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    policy = signer.policy("\n        expires: 2025-01-01T00:00:00Z")
    verdict = verify(IMAGE, signer.good(), policy, "prod", now=NOW)
    assert not verdict.allowed
    short = signer.ci.public.short_id
    assert (
        f"tests.json: signature by key {short} verifies, but the key expired at "
        "2025-01-01T00:00:00+00:00" in verdict.problems
    )
    before = verify(IMAGE, signer.good(), policy, "prod", now=datetime(2024, 12, 1, tzinfo=UTC))
    assert before.allowed


def test_conditions_say_why_they_fail(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    failing = TestResult(suite="unit", passed=False, failed=3).to_predicate()
    approval = Approval(approver="mallory@example.com", stage="prod", approvedAt=NOW)
    staging = Approval(approver="alice@example.com", stage="staging", approvedAt=NOW)
    attestations = [
        att("t.json", signer.envelope(PredicateKind.TEST_RESULT, failing)),
        att("s.json", signer.envelope(PredicateKind.SCAN, clean_scan("Critical"))),
        att(
            "a1.json",
            signer.envelope(PredicateKind.APPROVAL, approval.to_predicate(), signer.release),
        ),
        att(
            "a2.json",
            signer.envelope(PredicateKind.APPROVAL, staging.to_predicate(), signer.release),
        ),
    ]
    verdict = verify(IMAGE, attestations, signer.policy(), "prod", now=NOW)
    assert not verdict.allowed
    assert verdict.missing == (
        "test-result attestation t.json does not pass: passed is false "
        "(suite unit failed (3 failed))",
        "scan attestation s.json does not pass: 1 finding at high or above: CVE-1 (critical)",
        "approval attestation a1.json does not pass: approved by mallory@example.com, "
        "who is not one of alice@example.com, bob@example.com",
        "approval attestation a2.json does not pass: approved for stage staging, not prod",
    )


def test_stages_differ(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    only_tests = signer.good()[:1]
    policy = signer.policy()
    assert verify(IMAGE, only_tests, policy, "staging", now=NOW).allowed
    assert not verify(IMAGE, only_tests, policy, "prod", now=NOW).allowed
    with pytest.raises(
        AttestError, match=r"policy.yaml: stages: no stage 'qa' \(has prod, staging\)"
    ):
        verify(IMAGE, only_tests, policy, "qa")


def test_garbage_envelopes_are_problems_not_crashes(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    wrong_type = Envelope("text/plain", b"x", (Signature("", b"s"),))
    verdict = verify(
        IMAGE,
        [
            Attestation("a.json", b"not json"),
            Attestation("b.json", b'{"payload": "!!", "signatures": []}'),
            att("c.json", wrong_type),
        ],
        signer.policy(),
        "staging",
        now=NOW,
    )
    assert not verdict.allowed
    assert verdict.problems[0].startswith("a.json: not a DSSE envelope: not JSON")
    assert verdict.problems[1:4] == (
        "b.json: payloadType: missing or not a string",
        "b.json: payload: not base64",
        "b.json: signatures: missing or empty",
    )
    assert verdict.problems[4] == (
        "c.json: payloadType is 'text/plain', not 'application/vnd.in-toto+json'"
    )


# --- policy files -------------------------------------------------------------------------------


def test_policy_errors_name_file_and_field(tmp_path: Path) -> None:
    key = generate_key()
    pem = key.public.pem().decode().replace("\n", "\n          ")
    text = f"""
stages:
  prod:
    trustedKeys:
      - path: missing.pub
      - pem: |
          {pem}
        path: also.pub
    require:
      - predicateType: tests
      - predicateType: scan
        failOn: severe
      - predicateType: approval
        passed: true
"""

    def read(name: str) -> bytes:
        return (tmp_path / name).read_bytes()

    with pytest.raises(AttestError) as caught:
        parse_policy(text, "policy.yaml", read)
    assert caught.value.problems == (
        "stages.prod.trustedKeys[1]: give exactly one of path and pem",
        "stages.prod.require[0].predicateType: unknown predicate type 'tests'; known: "
        "test-result (https://seaway.dev/attestations/test-result/v1), "
        "scan (https://in-toto.io/attestation/vulns/v0.2), "
        "approval (https://seaway.dev/attestations/approval/v1)",
        "stages.prod.require[1].failOn: 'severe' is not a severity; expected one of "
        "critical, high, medium, low, negligible, unknown",
        "stages.prod.require[2]: passed applies to test-result, not approval",
    )
    with pytest.raises(AttestError) as caught:
        parse_policy(
            "stages: {prod: {trustedKeys: [{path: missing.pub}],"
            " require: [{predicateType: scan}]}}",
            "policy.yaml",
            read,
        )
    assert str(caught.value) == (
        "policy.yaml: stages.prod.trustedKeys[0].path: cannot read missing.pub: "
        "No such file or directory"
    )
    with pytest.raises(AttestError, match=r"policy\.yaml: stages: Field required"):
        parse_policy("kind: x", "policy.yaml", read)


def test_policy_refuses_an_rsa_key(tmp_path: Path) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pub").write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "p.yaml").write_text(
        "stages: {prod: {trustedKeys: [{path: rsa.pub}], require: [{predicateType: scan}]}}"
    )
    with pytest.raises(AttestError) as caught:
        read_policy(tmp_path / "p.yaml")
    assert str(caught.value).startswith(
        f"{tmp_path / 'p.yaml'}: stages.prod.trustedKeys[0].path: unsupported algorithm RSA-2048"
    )


# --- the store ----------------------------------------------------------------------------------


def test_store_layout_and_round_trip(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    store = AttestationStore(tmp_path / "attestations")
    tests = signer.envelope(PredicateKind.TEST_RESULT, passing())
    path = store.add(IMAGE, PredicateKind.TEST_RESULT, tests, None)
    assert path == tmp_path / "attestations" / ("ab" * 32) / "test-result.dsse.json"
    approval = Approval(approver="alice@example.com", stage="prod", approvedAt=NOW)
    path = store.add(
        IMAGE,
        PredicateKind.APPROVAL,
        signer.envelope(PredicateKind.APPROVAL, approval.to_predicate(), signer.release),
        approval,
    )
    assert path.name == "approval-prod-alice_example.com.dsse.json"
    loaded = store.load(IMAGE)
    assert [Path(a.source).name for a in loaded] == [
        "approval-prod-alice_example.com.dsse.json",
        "test-result.dsse.json",
    ]
    assert parse_envelope(loaded[1].data, "x") == tests
    assert store.load(parse_image_ref(OTHER)) == []
