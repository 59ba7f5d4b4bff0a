"""The pure part of image polling: semver constraints, Image Updater's annotations, choices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from seaway.promote.poll import (
    ConstraintError,
    PollError,
    Strategy,
    choose_tag,
    newest,
    newest_build,
    parse_constraint,
    parse_specs,
    parse_version,
)

TAGS = [
    "latest", "1.0.0", "1.0.1", "1.1.0", "1.2.0-rc.1", "1.2.0-rc.2", "1.2.0", "1.2.3", "v1.3.0",
    "1.10.0", "2.0.0-beta.1", "2.0.0", "2.1", "0.9.9", "0.2.5", "0.2.9", "0.3.0", "abc1234",
]  # fmt: skip


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("", "2.1"),
        ("*", "2.1"),
        ("^1.0", "1.10.0"),
        ("^1.2.0", "1.10.0"),
        ("~1.2", "1.2.3"),
        ("~1.2.0", "1.2.3"),
        ("1.2.x", "1.2.3"),
        ("1.x", "1.10.0"),
        ("1", "1.10.0"),
        ("1.2.0", "1.2.0"),
        ("=1.0.1", "1.0.1"),
        (">=1.0 <1.2", "1.1.0"),
        (">=1.0, <1.2", "1.1.0"),
        (">= 1.0 < 1.2", "1.1.0"),
        ("<2", "1.10.0"),
        ("<=1.2", "1.2.3"),
        (">1.2", "2.1"),
        ("1.0 - 1.1", "1.1.0"),
        ("1.0 - 1.2.0", "1.2.0"),
        ("^0.2.3", "0.2.9"),
        ("^0.0.1", None),
        ("~1.2.0 || ^0.2", "1.2.3"),
        ("^0.2 || ~0.9", "0.9.9"),
        ("!=2.1 >=2.0", "2.0.0"),
        # A pre-release is a candidate only when the constraint names one.
        (">=1.2.0-rc.1 <1.2.0", "1.2.0-rc.2"),
        ("^2.0.0-beta.0", "2.1"),
        ("~3", None),
    ],
)
def test_semver_constraints(constraint: str, expected: str | None) -> None:
    assert newest(TAGS, parse_constraint(constraint)) == expected


def test_version_order_follows_semver() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
               "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "v2.0.0"]  # fmt: skip
    versions = [parse_version(t) for t in ordered]
    assert all(v is not None for v in versions)
    assert sorted(versions, key=lambda v: v.key() if v else ()) == versions  # type: ignore[union-attr]
    assert parse_version("1.0.0+build.5") == parse_version("1.0.0")
    for tag in ("latest", "abc1234", "01.2.3", "1.2.3.4", ""):
        assert parse_version(tag) is None, tag


@pytest.mark.parametrize("bad", ["^", ">=banana", "1.2.3.4", "~x.y"])
def test_bad_constraints_say_so(bad: str) -> None:
    with pytest.raises(ConstraintError, match=r"is not a version|cannot read"):
        parse_constraint(bad)


ANNOTATIONS = {
    "argocd-image-updater.argoproj.io/image-list": (
        "api=127.0.0.1:5000/shop/api:^1.2, web=127.0.0.1:5000/shop/web, "
        "registry.example.com/shop/worker:stable"
    ),
    "argocd-image-updater.argoproj.io/web.update-strategy": "latest",
    "argocd-image-updater.argoproj.io/web.allow-tags": "regexp:^main-[0-9]+$",
    "argocd-image-updater.argoproj.io/web.ignore-tags": "main-0, *-debug",
    "argocd-image-updater.argoproj.io/worker.update-strategy": "digest",
    "argocd-image-updater.argoproj.io/api.helm.image-tag": "api.image.tag",
}


def test_image_updater_annotations_are_read() -> None:
    api, web, worker = parse_specs(ANNOTATIONS)
    assert (api.alias, api.image, api.constraint, api.strategy) == (
        "api", "127.0.0.1:5000/shop/api", "^1.2", Strategy.SEMVER,
    )  # fmt: skip
    assert api.helm_tag == "api.image.tag"
    assert (web.alias, web.strategy, web.constraint) == ("web", Strategy.NEWEST_BUILD, "")
    assert [t for t in ("main-0", "main-7", "main-7-debug", "dev-9") if web.candidate(t)] == [
        "main-7"
    ]
    # Without an alias, the image's last path element names it.
    assert (worker.alias, worker.strategy, worker.constraint) == (
        "worker",
        Strategy.DIGEST,
        "stable",
    )
    assert choose_tag(api, TAGS) == "1.10.0"
    assert parse_specs({}) == []


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ({"x.update-strategy": "newest"}, "x.update-strategy: 'newest' is not one of semver"),
        ({"x.allow-tags": "^main"}, "x.allow-tags: '^main' must be regexp:<expression>"),
        ({"x.allow-tags": "regexp:(unclosed"}, "x.allow-tags: missing ), unterminated"),
        ({"x.update-strategy": "digest"}, "the digest strategy needs the tag to follow"),
        ({"write-back-method": "argocd"}, "write-back-method: 'argocd' is not supported"),
    ],
)
def test_bad_annotations_name_the_annotation(annotations: dict[str, str], message: str) -> None:
    given = {"argocd-image-updater.argoproj.io/image-list": "x=reg.example/shop/x"}
    given.update({f"argocd-image-updater.argoproj.io/{k}": v for k, v in annotations.items()})
    with pytest.raises(PollError, match=r"argocd-image-updater\.argoproj\.io/") as caught:
        parse_specs(given)
    assert message in str(caught.value)


def test_bad_semver_in_the_image_list() -> None:
    with pytest.raises(PollError, match=r"image-list: '\^banana': 'banana' is not a version"):
        parse_specs({"argocd-image-updater.argoproj.io/image-list": "reg.example/x:^banana"})


def test_newest_build_goes_by_build_time() -> None:
    built = {
        "main-1": datetime(2026, 1, 1, tzinfo=UTC),
        "main-3": datetime(2026, 1, 3, tzinfo=UTC),
        "main-2": datetime(2026, 1, 5, tzinfo=UTC),
        "undated": None,
    }
    assert newest_build(built) == "main-2"
    assert newest_build({"undated": None}) is None
