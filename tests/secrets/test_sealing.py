"""Seal, unseal, reseal: scopes bound by the label, never widened by what the caller supplies."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from seaway.secrets import (
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    ManifestError,
    Scope,
    SealingKey,
    UnsealError,
    encryption_label,
    hybrid_decrypt,
    reseal,
    seal,
    sealed_scope,
    unseal,
)
from tests.secrets.conftest import PLAINTEXT, secret_manifest


def _moved(sealed: dict[str, Any], namespace: str | None = None, name: str | None = None) -> Any:
    moved = copy.deepcopy(sealed)
    if namespace is not None:
        moved["metadata"]["namespace"] = namespace
    if name is not None:
        moved["metadata"]["name"] = name
    return moved


def _password(secret: dict[str, Any]) -> str:
    return base64.b64decode(secret["data"]["password"]).decode()


@pytest.mark.parametrize("scope", list(Scope))
def test_round_trip_for_each_scope(key: SealingKey, scope: Scope) -> None:
    sealed = seal(secret_manifest(), key.public_key, scope)
    assert sealed["apiVersion"] == "bitnami.com/v1alpha1"
    assert sealed["kind"] == "SealedSecret"
    assert sealed["metadata"]["name"] == "db"
    assert sealed["metadata"]["namespace"] == "shop"
    assert sorted(sealed["spec"]["encryptedData"]) == ["password", "username"]
    assert sealed_scope(sealed) is scope

    secret = unseal(sealed, [key])
    assert secret["apiVersion"] == "v1"
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == "db"
    assert secret["metadata"]["namespace"] == "shop"
    assert secret["metadata"]["labels"] == {"app": "shop-db"}
    assert secret["type"] == "Opaque"
    assert _password(secret) == PLAINTEXT
    assert base64.b64decode(secret["data"]["username"]) == b"admin"


def test_scope_annotations_on_the_sealed_secret(key: SealingKey) -> None:
    strict = seal(secret_manifest(), key.public_key)
    assert "annotations" not in strict["metadata"]
    namespace_wide = seal(secret_manifest(), key.public_key, Scope.NAMESPACE_WIDE)
    assert namespace_wide["metadata"]["annotations"] == {NAMESPACE_WIDE_ANNOTATION: "true"}
    # kubeseal copies the Secret's metadata, scope annotation included, into the template.
    template_annotations = namespace_wide["spec"]["template"]["metadata"]["annotations"]
    assert template_annotations == {NAMESPACE_WIDE_ANNOTATION: "true"}
    cluster_wide = seal(secret_manifest(), key.public_key, Scope.CLUSTER_WIDE)
    assert cluster_wide["metadata"]["annotations"] == {CLUSTER_WIDE_ANNOTATION: "true"}


def test_the_label_is_what_kubeseal_uses(key: SealingKey) -> None:
    for scope, label in [
        (Scope.STRICT, b"shop/db"),
        (Scope.NAMESPACE_WIDE, b"shop"),
        (Scope.CLUSTER_WIDE, b""),
    ]:
        assert encryption_label("shop", "db", scope) == label
        sealed = seal(secret_manifest(), key.public_key, scope)
        value = base64.b64decode(sealed["spec"]["encryptedData"]["password"])
        assert hybrid_decrypt([key.private_key], value, label) == PLAINTEXT.encode()


def test_scope_from_the_secrets_annotations_when_none_is_given(key: SealingKey) -> None:
    for given, scope in [
        ({NAMESPACE_WIDE_ANNOTATION: "true"}, Scope.NAMESPACE_WIDE),
        ({CLUSTER_WIDE_ANNOTATION: "true"}, Scope.CLUSTER_WIDE),
        # cluster-wide wins, as in kubeseal; only the exact value "true" counts.
        ({CLUSTER_WIDE_ANNOTATION: "true", NAMESPACE_WIDE_ANNOTATION: "true"}, Scope.CLUSTER_WIDE),
        ({CLUSTER_WIDE_ANNOTATION: "True"}, Scope.STRICT),
        ({}, Scope.STRICT),
    ]:
        sealed = seal(secret_manifest(annotations=given), key.public_key)
        assert sealed_scope(sealed) is scope


def test_a_given_scope_replaces_the_annotations(key: SealingKey) -> None:
    manifest = secret_manifest(annotations={CLUSTER_WIDE_ANNOTATION: "true", "team": "a"})
    sealed = seal(manifest, key.public_key, Scope.STRICT)
    assert sealed_scope(sealed) is Scope.STRICT
    assert sealed["spec"]["template"]["metadata"]["annotations"] == {"team": "a"}
    with pytest.raises(UnsealError):
        unseal(_moved(sealed, namespace="elsewhere"), [key])


def test_strict_secret_moved_or_renamed_does_not_open(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.STRICT)
    for moved in (_moved(sealed, namespace="other"), _moved(sealed, name="db2")):
        with pytest.raises(UnsealError) as caught:
            unseal(moved, [key])
        message = str(caught.value)
        assert "spec.encryptedData.password, spec.encryptedData.username" in message
        assert "no key opens it" in message
        assert "(strict scope)" in message
        assert PLAINTEXT not in message


def test_namespace_wide_opens_under_another_name_not_in_another_namespace(
    key: SealingKey,
) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.NAMESPACE_WIDE)
    renamed = unseal(_moved(sealed, name="db-copy"), [key])
    assert renamed["metadata"]["name"] == "db-copy"
    assert _password(renamed) == PLAINTEXT
    with pytest.raises(UnsealError, match="namespace 'other' \\(namespace-wide scope\\)"):
        unseal(_moved(sealed, namespace="other"), [key])


def test_cluster_wide_opens_anywhere(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.CLUSTER_WIDE)
    anywhere = unseal(_moved(sealed, namespace="far", name="away"), [key])
    assert anywhere["metadata"]["namespace"] == "far"
    assert anywhere["metadata"]["name"] == "away"
    assert _password(anywhere) == PLAINTEXT


def test_cluster_wide_may_be_sealed_without_a_namespace(key: SealingKey) -> None:
    manifest = secret_manifest()
    del manifest["metadata"]["namespace"]
    sealed = seal(manifest, key.public_key, Scope.CLUSTER_WIDE)
    assert "namespace" not in sealed["metadata"]
    assert _password(unseal(_moved(sealed, namespace="any"), [key])) == PLAINTEXT
    with pytest.raises(ManifestError, match=r"metadata\.namespace: required to seal strict"):
        seal(manifest, key.public_key)


def test_widening_the_scope_by_annotation_does_not_open(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.STRICT)
    widened = copy.deepcopy(sealed)
    widened["metadata"]["annotations"] = {CLUSTER_WIDE_ANNOTATION: "true"}
    widened["metadata"]["namespace"] = "other"
    with pytest.raises(UnsealError) as caught:
        unseal(widened, [key])
    assert PLAINTEXT not in str(caught.value)

    # Same place, scope annotation flipped: said plainly.
    flipped = copy.deepcopy(sealed)
    flipped["metadata"]["annotations"] = {NAMESPACE_WIDE_ANNOTATION: "true"}
    with pytest.raises(UnsealError, match="sealed strict, but the SealedSecret's annotations say"):
        unseal(flipped, [key])


def test_the_template_metadata_never_decides_the_scope(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.STRICT)
    forged = _moved(sealed, namespace="other")
    forged["spec"]["template"]["metadata"]["annotations"] = {CLUSTER_WIDE_ANNOTATION: "true"}
    forged["spec"]["template"]["metadata"]["namespace"] = "shop"
    with pytest.raises(UnsealError):
        unseal(forged, [key])

    # And where it does open, the Secret lives where the SealedSecret is, whatever the template.
    cluster = seal(secret_manifest(), key.public_key, Scope.CLUSTER_WIDE)
    moved = _moved(cluster, namespace="b", name="c")
    moved["spec"]["template"]["metadata"]["namespace"] = "a"
    secret = unseal(moved, [key])
    assert (secret["metadata"]["namespace"], secret["metadata"]["name"]) == ("b", "c")


def test_tampered_ciphertext_does_not_open(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key)
    raw = bytearray(base64.b64decode(sealed["spec"]["encryptedData"]["password"]))
    raw[-5] ^= 0x80
    sealed["spec"]["encryptedData"]["password"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(UnsealError) as caught:
        unseal(sealed, [key])
    assert "spec.encryptedData.password:" in str(caught.value)
    assert "username" not in str(caught.value)


def test_no_key_of_the_store_opens_it(key: SealingKey, other_key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key)
    with pytest.raises(UnsealError, match="no key opens it"):
        unseal(sealed, [other_key])
    assert _password(unseal(sealed, [other_key, key.private_key])) == PLAINTEXT
    with pytest.raises(UnsealError, match="no keys to unseal with"):
        unseal(sealed, [])


def test_string_data_wins_over_data(key: SealingKey) -> None:
    manifest = secret_manifest()
    manifest["data"]["password"] = base64.b64encode(b"from-data").decode()
    assert _password(unseal(seal(manifest, key.public_key), [key])) == PLAINTEXT


def test_sealing_strips_what_would_leak_or_is_the_servers(key: SealingKey) -> None:
    manifest = secret_manifest(
        annotations={
            "kubectl.kubernetes.io/last-applied-configuration": f'{{"password": "{PLAINTEXT}"}}',
            "team": "payments",
        }
    )
    manifest["metadata"].update(
        {
            "uid": "1234",
            "resourceVersion": "99",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "ownerReferences": [{"kind": "Thing", "name": "x"}],
            "finalizers": ["example.com/keep"],
        }
    )
    manifest["immutable"] = True
    sealed = seal(manifest, key.public_key)
    assert PLAINTEXT not in repr(sealed)
    template = sealed["spec"]["template"]
    assert template["metadata"] == {
        "name": "db",
        "namespace": "shop",
        "labels": {"app": "shop-db"},
        "finalizers": ["example.com/keep"],
        "annotations": {"team": "payments"},
    }
    assert template["immutable"] is True
    secret = unseal(sealed, [key])
    assert secret["immutable"] is True
    assert secret["metadata"]["annotations"] == {"team": "payments"}
    assert secret["metadata"]["finalizers"] == ["example.com/keep"]


def test_owner_reference_unless_skipped(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key)
    sealed["metadata"]["uid"] = "0f0f-uid"
    assert unseal(sealed, [key])["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "name": "db",
            "uid": "0f0f-uid",
            "controller": True,
        }
    ]
    skip = seal(
        secret_manifest(
            annotations={"sealedsecrets.bitnami.com/skip-set-owner-references": "true"}
        ),
        key.public_key,
    )
    assert "ownerReferences" not in unseal(skip, [key])["metadata"]


def test_template_data_literal_values_and_templates(key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key)
    sealed["spec"]["template"]["data"] = {"host": "db.shop.svc"}
    secret = unseal(sealed, [key])
    assert base64.b64decode(secret["data"]["host"]) == b"db.shop.svc"
    sealed["spec"]["template"]["data"] = {"url": "postgres://admin:{{ .password }}@db"}
    with pytest.raises(ManifestError, match=r"spec\.template\.data\.url: templates"):
        unseal(sealed, [key])


def test_reseal_keeps_everything_but_the_ciphertext(key: SealingKey, other_key: SealingKey) -> None:
    sealed = seal(secret_manifest(), key.public_key, Scope.NAMESPACE_WIDE)
    resealed = reseal(sealed, [key], other_key.public_key)
    assert {k: v for k, v in resealed.items() if k != "spec"} == {
        k: v for k, v in sealed.items() if k != "spec"
    }
    assert resealed["spec"]["template"] == sealed["spec"]["template"]
    assert resealed["spec"]["encryptedData"] != sealed["spec"]["encryptedData"]
    # Only the new key opens it now, with the same scope.
    with pytest.raises(UnsealError):
        unseal(resealed, [key])
    assert _password(unseal(_moved(resealed, name="other-name"), [other_key])) == PLAINTEXT
    with pytest.raises(UnsealError):
        unseal(_moved(resealed, namespace="other"), [other_key])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(kind="ConfigMap"), "Secret shop/db: kind: Input should be 'Secret'"),
        (lambda m: m["metadata"].pop("name"), "Secret shop/(no name): metadata.name: required"),
        (
            lambda m: m["data"].update(password=PLAINTEXT),
            "Secret shop/db: data.password: not valid base64",
        ),
        (
            lambda m: m["stringData"].update(password=[PLAINTEXT]),
            "Secret shop/db: stringData.password: Input should be a valid string",
        ),
        (
            lambda m: m["stringData"].update({"bad key": PLAINTEXT}),
            "Secret shop/db: stringData: 'bad key' is not a valid key",
        ),
        (
            lambda m: (m.pop("stringData"), m.pop("data")),
            "Secret shop/db: has no data or stringData: nothing to seal",
        ),
    ],
)
def test_bad_secrets_are_named_and_never_quoted(
    key: SealingKey, change: Any, expected: str
) -> None:
    manifest = secret_manifest()
    change(manifest)
    with pytest.raises(ManifestError) as caught:
        seal(manifest, key.public_key)
    assert str(caught.value).startswith(expected)
    assert PLAINTEXT not in str(caught.value)


def test_empty_secret_when_allowed(key: SealingKey) -> None:
    manifest = secret_manifest()
    del manifest["stringData"], manifest["data"]
    sealed = seal(manifest, key.public_key, allow_empty_data=True)
    assert sealed["spec"]["encryptedData"] == {}
    assert unseal(sealed, [key])["data"] == {}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(apiVersion="v1"), "apiVersion: Input should be 'bitnami.com/v1alpha1'"),
        (lambda s: s.pop("spec"), "spec: Field required"),
        (lambda s: s["metadata"].pop("namespace"), "metadata.namespace: required to unseal"),
        (
            lambda s: s["spec"]["encryptedData"].update(password="%%%"),
            "spec.encryptedData.password: not valid base64",
        ),
        (lambda s: s["spec"].update(data="AAAA"), "spec.data: the deprecated whole-Secret"),
    ],
)
def test_bad_sealed_secrets(key: SealingKey, change: Any, expected: str) -> None:
    sealed = seal(secret_manifest(), key.public_key)
    change(sealed)
    with pytest.raises(ManifestError) as caught:
        unseal(sealed, [key])
    assert expected in str(caught.value)


def test_not_an_object(key: SealingKey) -> None:
    with pytest.raises(ManifestError, match="expected a Secret object, found list"):
        seal([], key.public_key)  # type: ignore[arg-type]
