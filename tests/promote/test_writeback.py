"""write_back against real Git repos: a bare remote, our temporary clone and other clones."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaway.promote.writeback import (
    Author,
    BadInputError,
    HelmTarget,
    PushFailedError,
    WriteBack,
    author_from_env,
    parse_image_ref,
    write_back,
)
from seaway.promote.writeback.repo import read_files
from seaway.source import GitError, HttpsToken
from tests.gitrepo import git
from tests.promote.fixtures import (
    BASE_DEPLOYMENT,
    DIGEST,
    KUSTOMIZATION,
    MULTI_DOC,
    VALUES,
    log,
    make_remote,
    push_from_clone,
    show,
)

AUTHOR = Author("CI Bot", "ci@example.test")


def request(remote: Path, path: str, image: str, **extra: object) -> WriteBack:
    fields: dict[str, object] = {
        "url": str(remote),
        "branch": "dev",
        "path": path,
        "ref": parse_image_ref(image),
        "author": AUTHOR,
        "backoff": 0.01,
        **extra,
    }
    return WriteBack(**fields)  # type: ignore[arg-type]


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return make_remote(
        tmp_path,
        {
            "app/web.yaml": MULTI_DOC,
            "app/other.yaml": "kind: Service\napiVersion: v1\nmetadata: {name: web}\n",
            "dev/kustomization.yaml": KUSTOMIZATION,
            "base/deploy.yaml": BASE_DEPLOYMENT,
            "chart/values.yaml": VALUES,
        },
    )


def test_plain_manifests_are_committed_and_pushed_byte_for_byte(remote: Path) -> None:
    before = git(remote, "rev-parse", "dev")
    outcome = write_back(request(remote, "app", "registry.example/web:v2"))
    assert outcome.changed
    assert outcome.attempts == 1
    message = "seaway: set web image to registry.example/web:v2 in dev (app/web.yaml)"
    assert log(remote, "dev")[0] == message
    assert git(remote, "rev-parse", "dev") == outcome.commit
    assert git(remote, "rev-parse", "dev~1") == before
    assert (
        git(remote, "log", "-1", "--format=%an <%ae>|%cn", "dev")
        == "CI Bot <ci@example.test>|CI Bot"
    )
    after = show(remote, "dev", "app/web.yaml")
    assert after == MULTI_DOC.replace("registry.example/web:v1", "registry.example/web:v2").replace(
        "data:\n  image: registry.example/web:v2", "data:\n  image: registry.example/web:v1"
    )
    assert git(remote, "diff", "--stat", "dev~1", "dev").splitlines()[-1].startswith(" 1 file")


def test_kustomization_entry_is_updated_then_added(remote: Path) -> None:
    write_back(request(remote, "dev", f"registry.example/web:v2@{DIGEST}"))
    assert show(remote, "dev", "dev/kustomization.yaml") == (
        KUSTOMIZATION.replace("newTag: v1", "newTag: v2") + f"    digest: {DIGEST}\n"
    )
    assert show(remote, "dev", "base/deploy.yaml") == BASE_DEPLOYMENT
    outcome = write_back(request(remote, "dev", "registry.example/api:1.1", message="bump api"))
    assert log(remote, "dev")[:2] == [
        "bump api",
        "seaway: set web image to "
        f"registry.example/web:v2@{DIGEST} in dev (dev/kustomization.yaml)",
    ]
    assert outcome.plan.kind == "kustomization"
    assert show(remote, "dev", "dev/kustomization.yaml").endswith(
        "  - name: registry.example/api\n    newTag: '1.1'\n"
    )


def test_helm_values_are_edited_when_asked(remote: Path) -> None:
    helm = HelmTarget("values.yaml", "image.tag", "image.repository")
    write_back(request(remote, "chart", "registry.example/web:v9", helm=helm))
    assert show(remote, "dev", "chart/values.yaml") == VALUES.replace('"v1"', '"v9"')


def test_nothing_to_do_makes_no_commit(remote: Path) -> None:
    before = git(remote, "rev-parse", "dev")
    outcome = write_back(request(remote, "app", "registry.example/web:v1"))
    assert not outcome.changed
    assert outcome.plan.nothing_to_do
    assert git(remote, "rev-parse", "dev") == before


def test_dry_run_pushes_nothing(remote: Path) -> None:
    before = git(remote, "rev-parse", "dev")
    outcome = write_back(request(remote, "app", "registry.example/web:v2", dry_run=True))
    assert outcome.plan.changes
    assert not outcome.changed
    assert git(remote, "rev-parse", "dev") == before


def test_a_concurrent_push_is_kept_and_ours_lands_on_top(remote: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-clone"
    pushed: list[int] = []

    def someone_else_pushes(attempt: int) -> None:
        # Between our clone and our push, another pipeline changes the same file.
        if attempt == 1:
            text = show(remote, "dev", "app/web.yaml").replace("replicas: 2", "replicas: 5")
            push_from_clone(remote, other, {"app/web.yaml": text}, "scale web to 5")
        pushed.append(attempt)

    outcome = write_back(
        request(remote, "app", "registry.example/web:v2"), before_push=someone_else_pushes
    )
    assert pushed == [1, 2]
    assert outcome.attempts == 2
    history = log(remote, "dev")
    assert history[:2] == [
        "seaway: set web image to registry.example/web:v2 in dev (app/web.yaml)",
        "scale web to 5",
    ]
    text = show(remote, "dev", "app/web.yaml")
    assert "replicas: 5" in text
    assert "image: registry.example/web:v2 # the app" in text


def test_gives_up_after_the_attempt_limit(remote: Path, tmp_path: Path) -> None:
    other = tmp_path / "busy-clone"
    calls: list[int] = []

    def always_first(attempt: int) -> None:
        calls.append(attempt)
        push_from_clone(remote, other, {f"noise-{attempt}.txt": "x\n"}, f"noise {attempt}")

    with pytest.raises(PushFailedError) as caught:
        write_back(
            request(remote, "app", "registry.example/web:v2", attempts=3), before_push=always_first
        )
    assert calls == [1, 2, 3]
    assert "branch dev" in str(caught.value)
    assert "3 attempts" in str(caught.value)
    assert not any(line.startswith("seaway:") for line in log(remote, "dev"))


def test_bad_path_and_branch_are_reported(remote: Path) -> None:
    with pytest.raises(BadInputError, match="the path nowhere is not a folder"):
        write_back(request(remote, "nowhere", "registry.example/web:v2"))
    with pytest.raises(BadInputError, match=r"the path \.\./\.\. is not a folder"):
        write_back(request(remote, "../..", "registry.example/web:v2"))
    with pytest.raises(GitError, match="git clone of branch nope"):
        write_back(request(remote, "app", "registry.example/web:v2", branch="nope"))


def test_token_never_appears_in_errors() -> None:
    token = "s3cr3t-token-value"
    req = WriteBack(
        url=f"http://user:{token}@127.0.0.1:9/env.git",
        branch="dev",
        path="app",
        ref=parse_image_ref("web:v2"),
        author=AUTHOR,
        credentials=HttpsToken(token),
    )
    with pytest.raises(GitError) as caught:
        write_back(req)
    assert token not in str(caught.value)
    assert "127.0.0.1:9" in str(caught.value)


def test_author_from_flag_env_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert author_from_env("Jane Doe <jane@example.test>") == Author(
        "Jane Doe", "jane@example.test"
    )
    with pytest.raises(BadInputError, match="Name <email>"):
        author_from_env("jane")
    monkeypatch.delenv("GIT_AUTHOR_NAME", raising=False)
    monkeypatch.delenv("GIT_AUTHOR_EMAIL", raising=False)
    assert author_from_env() == Author("Seaway", "seaway@localhost")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Pipeline")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "pipe@example.test")
    assert author_from_env() == Author("Pipeline", "pipe@example.test")


def test_a_concurrent_push_of_the_same_image_leaves_nothing_to_do(
    remote: Path, tmp_path: Path
) -> None:
    other = tmp_path / "same-clone"

    def same_change(attempt: int) -> None:
        text = show(remote, "dev", "app/web.yaml").replace("web:v1", "web:v2")
        push_from_clone(remote, other, {"app/web.yaml": text}, "someone set v2 first")

    outcome = write_back(
        request(remote, "./app/", "registry.example/web:v2"), before_push=same_change
    )
    assert not outcome.changed
    assert outcome.attempts == 2
    assert log(remote, "dev")[0] == "someone set v2 first"


def test_symlinks_out_of_the_clone_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pod.yaml").write_text(
        "kind: Pod\nspec:\n  containers:\n  - image: registry.example/web:v1\n"
    )
    root = tmp_path / "clone"
    (root / "app").mkdir(parents=True)
    (root / "app" / "link").symlink_to(outside)
    (root / "app" / "pod.yaml").symlink_to(outside / "pod.yaml")
    (root / "app" / "crlf.yaml").write_bytes(b"a: 1\r\n")
    assert read_files(root, "app") == {"app/crlf.yaml": "a: 1\r\n"}
