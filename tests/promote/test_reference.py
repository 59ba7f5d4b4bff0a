from __future__ import annotations

import pytest

from seaway.promote.writeback import ImageRef, ImageRefError, parse_image_ref
from seaway.promote.writeback.reference import canonical_name
from tests.promote.fixtures import DIGEST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("registry.example/web:v2", ImageRef("registry.example/web", "v2")),
        ("nginx", ImageRef("nginx")),
        ("localhost:5000/team/web:1.2.3", ImageRef("localhost:5000/team/web", "1.2.3")),
        (f"registry.example/web@{DIGEST}", ImageRef("registry.example/web", None, DIGEST)),
        (f"web:v2@{DIGEST}", ImageRef("web", "v2", DIGEST)),
        ("[::1]:5000/web:v2", ImageRef("[::1]:5000/web", "v2")),
    ],
)
def test_parses_the_three_forms(text: str, expected: ImageRef) -> None:
    assert parse_image_ref(text) == expected
    assert str(parse_image_ref(text)) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("Registry.example/Web:v2", "not a valid image name"),
        ("web:-bad", "not a valid tag"),
        ("web:v2@sha256:" + "AB" * 32, "64 lowercase hex"),
        ("web:v2@sha256:123", "not a digest"),
        ("web@notadigest", "not a digest"),
        ("web:v 2", "not a valid tag"),
        ("web:", "not a valid tag"),
    ],
)
def test_rejects_bad_references_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(ImageRefError, match=problem):
        parse_image_ref(text)


def test_docker_hub_names_compare_in_canonical_form() -> None:
    assert canonical_name("nginx") == "docker.io/library/nginx"
    assert canonical_name("docker.io/library/nginx") == "docker.io/library/nginx"
    assert canonical_name("index.docker.io/team/app") == "docker.io/team/app"
    assert canonical_name("team/app") == "docker.io/team/app"
    assert canonical_name("registry.example/web") == "registry.example/web"
    assert parse_image_ref("registry.example/team/web:v1").short_name == "web"
