"""Attestations in a real OCI registry (crane), in cosign's layout: push, verify, interop.

`seaway attest --push` stores DSSE envelopes as layers of the tag `sha256-<hex>.att`;
`seaway verify IMAGE --policy FILE` reads them back from the registry. cosign v2.6.5 reads what
Seaway pushes (`cosign verify-attestation`) and Seaway reads what cosign pushes (`cosign attest`).
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from seaway.gates.attest import PredicateKind, attestation_tag
from seaway.gates.attest.oci import DSSE_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION
from seaway.registry import RegistryClient, parse_reference
from testbed.build import BuildError, ensure_built
from tests.gates.test_attest_cosign import COSIGN
from tests.oci_registry import Registry

runner = CliRunner()
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}


def _run(registry: Registry, *args: str) -> Any:
    env = {**WIDE, "SEAWAY_INSECURE_REGISTRIES": registry.host}
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    for name in ("ci", "other"):
        result = runner.invoke(app, ["key", "generate", "--out", str(keys), "--name", name])
        assert result.exit_code == 0, result.output
    (tmp_path / "policy.yaml").write_text(
        """
stages:
  dev:
    trustedKeys: [{path: keys/ci.pub}]
    require:
      - {predicateType: test-result, passed: true}
  prod:
    trustedKeys: [{path: keys/ci.pub}]
    require:
      - {predicateType: test-result, passed: true}
      - predicateType: approval
        approvers: [alice@example.com]
"""
    )
    return tmp_path


def _image(registry: Registry, repository: str, tag: str = "1.0.0") -> str:
    digest = registry.push_image(repository, tag, content=f"{repository} {tag} {id(registry)}")
    return f"{registry.host}/{repository}@{digest}"


def _attest_test_result(registry: Registry, setup: Path, image: str, key: str = "ci") -> Any:
    return _run(
        registry, "attest", "--image", image, "--predicate-type", "test-result", "--passed",
        "--suite", "integration", "--key", str(setup / "keys" / f"{key}.key"), "--push",
    )  # fmt: skip


def _verify(registry: Registry, setup: Path, image: str, stage: str = "dev") -> Any:
    policy = str(setup / "policy.yaml")
    return _run(registry, "verify", image, "--policy", policy, "--stage", stage)


def _att_manifest(registry: Registry, image: str) -> dict[str, Any]:
    ref = parse_reference(image)
    with RegistryClient(insecure=[registry.host], credentials={}) as client:
        return client.manifest(ref.with_tag(attestation_tag(ref.digest))).document()


def test_push_then_verify_from_the_registry(oci_registry: Registry, setup: Path) -> None:
    image = _image(oci_registry, "shop/api")
    pushed = _attest_test_result(oci_registry, setup, image)
    assert pushed.exit_code == 0, pushed.output
    assert f":{attestation_tag(image.partition('@')[2])}" in pushed.stderr

    manifest = _att_manifest(oci_registry, image)
    [layer] = manifest["layers"]
    assert layer["mediaType"] == DSSE_MEDIA_TYPE
    assert layer["annotations"][PREDICATE_TYPE_ANNOTATION] == PredicateKind.TEST_RESULT.uri

    allowed = _verify(oci_registry, setup, image)
    assert allowed.exit_code == 0, allowed.output
    assert "ALLOWED" in allowed.stdout
    # A tag is resolved to its digest in the registry, and the same attestations found.
    by_tag = _verify(oci_registry, setup, f"{oci_registry.host}/shop/api:1.0.0")
    assert by_tag.exit_code == 0, by_tag.output

    # A second run of the same kind replaces the first; an approval is added beside it.
    assert _attest_test_result(oci_registry, setup, image).exit_code == 0
    approved = _run(
        oci_registry, "attest", "--image", image, "--predicate-type", "approval",
        "--approver", "alice@example.com", "--stage", "prod",
        "--key", str(setup / "keys" / "ci.key"), "--push",
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    types = [
        entry["annotations"][PREDICATE_TYPE_ANNOTATION]
        for entry in _att_manifest(oci_registry, image)["layers"]
    ]
    assert types == [PredicateKind.TEST_RESULT.uri, PredicateKind.APPROVAL.uri]
    assert _verify(oci_registry, setup, image, stage="prod").exit_code == 0


def test_push_needs_the_image_in_the_registry(oci_registry: Registry, setup: Path) -> None:
    absent = f"{oci_registry.host}/shop/absent@sha256:{'cd' * 32}"
    result = _attest_test_result(oci_registry, setup, absent)
    assert result.exit_code == 2
    assert f"{oci_registry.host}/shop/absent:sha256-{'cd' * 32}.att" in result.stderr
    assert "HTTP 404" in result.stderr


def test_wrong_key_and_missing_predicate_are_refused(oci_registry: Registry, setup: Path) -> None:
    image = _image(oci_registry, "shop/web")
    unattested = _verify(oci_registry, setup, image)
    assert unattested.exit_code == 1
    assert "no test-result attestation for sha256:" in unattested.stdout

    assert _attest_test_result(oci_registry, setup, image, key="other").exit_code == 0
    wrong_key = _verify(oci_registry, setup, image)
    assert wrong_key.exit_code == 1
    assert "which stage dev does not trust" in wrong_key.stdout

    assert _attest_test_result(oci_registry, setup, image).exit_code == 0
    assert _verify(oci_registry, setup, image).exit_code == 0
    missing = _verify(oci_registry, setup, image, stage="prod")
    assert missing.exit_code == 1
    assert "no approval attestation for sha256:" in missing.stdout


def test_tampered_envelope_in_the_registry_is_refused(oci_registry: Registry, setup: Path) -> None:
    image = _image(oci_registry, "shop/tampered")
    assert _attest_test_result(oci_registry, setup, image).exit_code == 0
    ref = parse_reference(image)
    tag = attestation_tag(ref.digest)
    with RegistryClient(insecure=[oci_registry.host], credentials={}) as client:
        manifest = client.manifest(ref.with_tag(tag)).document()
        layer = manifest["layers"][0]
        envelope = json.loads(client.blob(ref, layer["digest"]))
        payload = base64.b64decode(envelope["payload"]).replace(b'"passed":true', b'"passed":1')
        envelope["payload"] = base64.b64encode(payload).decode()
        data = json.dumps(envelope).encode()
        layer["digest"] = client.push_blob(ref, data)
        layer["size"] = len(data)
        client.push_manifest(
            ref, tag, json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json"
        )
    policy = str(setup / "policy.yaml")
    refused = _run(oci_registry, "verify", image, "--policy", policy, "--stage", "dev", "--json")
    assert refused.exit_code == 1, refused.stdout
    [problem] = json.loads(refused.stdout)["problems"]
    assert problem.startswith(f"{oci_registry.host}/shop/tampered:{tag} layer 0 (")
    assert "does not verify: the payload or the signature was modified after signing" in problem


@pytest.fixture(scope="module")
def cosign() -> Path:
    try:
        built = ensure_built(COSIGN, log=False)
    except BuildError as exc:
        pytest.skip(f"cosign {COSIGN.version} could not be built here: {exc}")
    return built.binary("cosign")


def _cosign(cosign: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(cosign), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        # Offline: no Rekor, no TUF fetch; an empty password for keys cosign generates.
        env={
            "HOME": str(tmp),
            "TUF_ROOT": str(tmp / "tuf"),
            "COSIGN_PASSWORD": "",
            "SIGSTORE_REKOR_PUBLIC_KEY": str(tmp / "keys" / "ci.pub"),
        },
    )


def test_cosign_verifies_what_seaway_pushed(
    oci_registry: Registry, setup: Path, cosign: Path
) -> None:
    image = _image(oci_registry, "interop/seaway-pushed")
    assert _attest_test_result(oci_registry, setup, image).exit_code == 0
    checks = (
        "verify-attestation", "--key", str(setup / "keys" / "ci.pub"), "--insecure-ignore-tlog",
        "--allow-insecure-registry", "--type", PredicateKind.TEST_RESULT.uri,
    )  # fmt: skip
    done = _cosign(cosign, setup, *checks, image)
    assert done.returncode == 0, done.stderr
    envelope, _ = json.JSONDecoder().raw_decode(done.stdout.strip())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicate"]["suite"] == "integration"

    other = list(checks)
    other[2] = str(setup / "keys" / "other.pub")
    refused = _cosign(cosign, setup, *other, image)
    assert refused.returncode != 0
    assert "no matching attestations" in refused.stderr


def test_seaway_verifies_what_cosign_pushed(
    oci_registry: Registry, setup: Path, cosign: Path
) -> None:
    image = _image(oci_registry, "interop/cosign-pushed")
    made = _cosign(
        cosign, setup, "generate-key-pair", "--output-key-prefix", str(setup / "keys" / "cosign")
    )
    assert made.returncode == 0, made.stderr
    (setup / "cosign-policy.yaml").write_text(
        """
stages:
  dev:
    trustedKeys: [{path: keys/cosign.pub}]
    require: [{predicateType: test-result, passed: true}]
"""
    )
    predicate = setup / "predicate.json"
    predicate.write_text(json.dumps({"suite": "e2e", "passed": True}))
    done = _cosign(
        cosign, setup, "attest", "--key", str(setup / "keys" / "cosign.key"), "--type",
        PredicateKind.TEST_RESULT.uri, "--predicate", str(predicate), "--tlog-upload=false",
        "--allow-insecure-registry", "--yes", image,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    policy = str(setup / "cosign-policy.yaml")
    verdict = _run(oci_registry, "verify", image, "--policy", policy, "--stage", "dev", "--json")
    assert verdict.exit_code == 0, verdict.output
    assert json.loads(verdict.stdout)["satisfied"][0].startswith("test-result: ")
    # The same attestations under a policy that trusts only Seaway's CI key: refused.
    policy = str(setup / "policy.yaml")
    refused = _run(oci_registry, "verify", image, "--policy", policy, "--stage", "dev", "--json")
    assert refused.exit_code == 1
    [problem] = json.loads(refused.stdout)["problems"]
    assert "stage dev trusts" in problem or "which stage dev does not trust" in problem, problem
