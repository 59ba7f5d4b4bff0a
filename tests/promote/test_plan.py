"""The pure core: which file changes into what, checked byte for byte."""

from __future__ import annotations

import pytest

from seaway.promote.writeback import (
    BadInputError,
    HelmTarget,
    NoMatchingImageError,
    YamlFileError,
    parse_image_ref,
    plan_image,
)
from tests.promote.fixtures import (
    BASE_DEPLOYMENT,
    DIGEST,
    KUSTOMIZATION,
    MULTI_DOC,
    OTHER_DIGEST,
    VALUES,
)


def test_multi_document_file_changes_only_the_image_values() -> None:
    plan = plan_image(
        {"app/web.yaml": MULTI_DOC}, "app", parse_image_ref("registry.example/web:v2"), "dev:app/"
    )
    assert plan.kind == "manifests"
    (change,) = plan.changes
    # The Deployment's container and init container and the Rollout's container change, each
    # in its own quoting; the ConfigMap's `image` key is data, not a container.
    expected = (
        MULTI_DOC.replace("'registry.example/web:v1'", "'registry.example/web:v2'")
        .replace(
            "image: registry.example/web:v1 # the app", "image: registry.example/web:v2 # the app"
        )
        .replace('"registry.example/web:v1"', '"registry.example/web:v2"')
    )
    assert change.new == expected
    assert change.new.count("web:v1") == 1


def test_tag_that_would_read_as_a_number_gets_quotes() -> None:
    text = "kind: Pod\nspec:\n  containers:\n  - image: web:v1\n"
    plan = plan_image({"p/pod.yaml": text}, "p", parse_image_ref("web:1.10"), "dev:p/")
    assert plan.changes[0].new == "kind: Pod\nspec:\n  containers:\n  - image: web:1.10\n"
    kustomization = "images:\n- name: web\n  newTag: v1\n"
    plan = plan_image({"p/kustomization.yaml": kustomization}, "p", parse_image_ref("web:1.10"), "")
    assert plan.changes[0].new == 'images:\n- name: web\n  newTag: "1.10"\n'


def test_docker_hub_short_names_match_and_keep_their_spelling() -> None:
    text = (
        "kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        "          containers:\n          - image: nginx:1.25\n"
    )
    plan = plan_image({"c/j.yaml": text}, "c", parse_image_ref("docker.io/library/nginx:1.27"), "")
    assert plan.changes[0].new == text.replace("nginx:1.25", "nginx:1.27")


def test_kustomization_entry_is_updated_byte_for_byte() -> None:
    files = {"dev/kustomization.yaml": KUSTOMIZATION, "base/deploy.yaml": BASE_DEPLOYMENT}
    plan = plan_image(files, "dev", parse_image_ref("registry.example/web:v2"), "dev:dev/")
    assert plan.kind == "kustomization"
    assert [c.path for c in plan.changes] == ["dev/kustomization.yaml"]
    assert plan.changes[0].new == KUSTOMIZATION.replace("newTag: v1 #", "newTag: v2 #")


def test_kustomization_digest_forms() -> None:
    files = {"dev/kustomization.yaml": KUSTOMIZATION}
    by_digest = plan_image(files, "dev", parse_image_ref(f"registry.example/web@{DIGEST}"), "")
    # A digest alone drops the tag, which would otherwise mislabel what runs.
    assert by_digest.changes[0].new == (
        KUSTOMIZATION.split("    newTag")[0] + f"    digest: {DIGEST}\n"
    )
    both = plan_image(files, "dev", parse_image_ref(f"registry.example/web:v3@{DIGEST}"), "")
    assert both.changes[0].new == (
        KUSTOMIZATION.replace("newTag: v1", "newTag: v3") + f"    digest: {DIGEST}\n"
    )
    tagged = both.changes[0].new
    again = plan_image(
        {"dev/kustomization.yaml": tagged},
        "dev",
        parse_image_ref(f"registry.example/web:v3@{OTHER_DIGEST}"),
        "",
    )
    assert again.changes[0].new == tagged.replace(DIGEST, OTHER_DIGEST)


def test_kustomization_entry_is_added_for_an_image_its_resources_use() -> None:
    files = {"dev/kustomization.yaml": KUSTOMIZATION, "base/deploy.yaml": BASE_DEPLOYMENT}
    plan = plan_image(files, "dev", parse_image_ref("registry.example/api:1.1"), "dev:dev/")
    # The new entry follows the file's own indentation; the rest of the file is unchanged.
    assert plan.changes[0].new == KUSTOMIZATION + (
        "  - name: registry.example/api\n    newTag: '1.1'\n"
    )


def test_nothing_to_do_when_the_reference_is_already_set() -> None:
    files = {"dev/kustomization.yaml": KUSTOMIZATION}
    plan = plan_image(files, "dev", parse_image_ref("registry.example/web:v1"), "")
    assert plan.nothing_to_do
    assert plan.matched == ("dev/kustomization.yaml",)
    plan = plan_image(
        {"a/w.yaml": MULTI_DOC}, "a", parse_image_ref("registry.example/proxy:3.2"), ""
    )
    assert plan.nothing_to_do
    assert plan.matched == ("a/w.yaml",)


def test_no_match_lists_the_images_found() -> None:
    with pytest.raises(NoMatchingImageError) as caught:
        plan_image(
            {"app/w.yaml": MULTI_DOC}, "app", parse_image_ref("registry.example/db:1"), "dev:app/"
        )
    assert str(caught.value) == (
        "no image named registry.example/db in dev:app/ (images found: "
        "registry.example/proxy:3.2, registry.example/web:v1)"
    )
    files = {"dev/kustomization.yaml": KUSTOMIZATION, "base/deploy.yaml": BASE_DEPLOYMENT}
    with pytest.raises(NoMatchingImageError, match=r"images found: registry\.example/api:1\.0"):
        plan_image(files, "dev", parse_image_ref("registry.example/db:1"), "dev:dev/")


def test_invalid_yaml_is_named_with_its_line() -> None:
    broken = "kind: Pod\nspec:\n  containers:\n  - image: web:v1\n   bad: [\n"
    with pytest.raises(YamlFileError, match=r"^app/pod.yaml, line \d+: invalid YAML"):
        plan_image({"app/pod.yaml": broken}, "app", parse_image_ref("web:v2"), "")


def test_helm_values_tag_repository_and_digest() -> None:
    files = {"chart/values-dev.yaml": VALUES}
    ref = parse_image_ref("registry.other/web:v2")
    helm = HelmTarget("values-dev.yaml", "image.tag", "image.repository")
    plan = plan_image(files, "chart", ref, "", helm)
    assert plan.kind == "helm"
    assert plan.changes[0].new == VALUES.replace('"v1"', '"v2"').replace(
        "repository: registry.example/web ", "repository: registry.other/web "
    )
    with pytest.raises(BadInputError, match="--helm-digest-value"):
        plan_image(files, "chart", parse_image_ref(f"web@{DIGEST}"), "", helm)
    with_digest = HelmTarget("values-dev.yaml", "image.tag", None, "image.digest")
    plan = plan_image(files, "chart", parse_image_ref(f"web:v1@{DIGEST}"), "", with_digest)
    assert plan.changes[0].new == VALUES + f"  digest: {DIGEST}\n"
    with pytest.raises(BadInputError, match="does not exist"):
        plan_image(files, "chart", ref, "", HelmTarget("values.yaml"))


def test_digest_forms_in_plain_manifests() -> None:
    files = {"app/web.yaml": MULTI_DOC}
    plan = plan_image(files, "app", parse_image_ref(f"registry.example/web@{DIGEST}"), "")
    assert plan.changes[0].new == MULTI_DOC.replace(
        "registry.example/web:v1 # the app", f"registry.example/web@{DIGEST} # the app"
    ).replace("'registry.example/web:v1'", f"'registry.example/web@{DIGEST}'").replace(
        '"registry.example/web:v1"', f'"registry.example/web@{DIGEST}"'
    )
    both = plan_image(files, "app", parse_image_ref(f"registry.example/web:v2@{DIGEST}"), "")
    assert both.changes[0].new.count(f"registry.example/web:v2@{DIGEST}") == 3


def test_crlf_line_ends_are_kept() -> None:
    text = MULTI_DOC.replace("\n", "\r\n")
    plan = plan_image({"app/web.yaml": text}, "app", parse_image_ref("registry.example/web:v2"), "")
    expected = (
        plan_image(
            {"app/web.yaml": MULTI_DOC}, "app", parse_image_ref("registry.example/web:v2"), ""
        )
        .changes[0]
        .new
    )
    assert plan.changes[0].new == expected.replace("\n", "\r\n")
