"""Promotion as Git commits on real repos: the release read from one stage is written into the
next one's files (every other byte kept), with a clear message and trailers; concurrent pushes
are survived; a folders layout works the same; PR mode pushes a branch and calls the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from seaway.model import ManifestError
from seaway.promote.promotion import PromotionRequest, promote, release_in
from seaway.promote.pullrequest import PullRequestError
from seaway.promote.release import Release
from seaway.promote.writeback import Author, BadInputError, parse_image_ref
from tests.gitrepo import Upstream, git
from tests.promote.fixtures import show
from tests.promote.pipelines import (
    KUSTOMIZATION,
    branches_repo,
    head,
    parse_pipeline,
    pipeline_yaml,
    push_other_change,
)

AUTHOR = Author("Release Bot", "bot@example.test")
STAGES: list[dict[str, object]] = [
    {"name": "dev", "apps": ["web-dev"], "branch": "dev", "path": "web"},
    {
        "name": "prod",
        "apps": ["web-prod"],
        "branch": "prod",
        "path": "web",
        "images": ["registry.example/web"],
    },
]


def checkout(remote: Path, branch: str, where: Path) -> Path:
    git(remote.parent, "clone", "--quiet", "--branch", branch, str(remote), str(where))
    return where


def request_for(remote: Path, tmp: Path, **extra: Any) -> PromotionRequest:
    pipeline = parse_pipeline(pipeline_yaml(STAGES))
    dev, prod = pipeline.stages
    release = release_in(checkout(remote, "dev", tmp / "dev-checkout"), pipeline, dev, prod)
    fields: dict[str, Any] = {
        "pipeline": pipeline,
        "source": dev,
        "target": prod,
        "release": release,
        "url": str(remote),
        "author": AUTHOR,
        "backoff": 0.01,
        **extra,
    }
    return PromotionRequest(**fields)


def test_release_is_read_with_kustomize_overrides(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    pipeline = parse_pipeline(pipeline_yaml([{**s, "images": []} for s in STAGES]))
    release = release_in(checkout(remote, "dev", tmp_path / "c"), pipeline, pipeline.stages[0])
    assert [str(i) for i in release.images] == [
        "registry.example/api:1.0",
        "registry.example/web:v2",
    ]
    assert release.label == "api:1.0, web:v2"


def test_promotion_commits_the_images_keeping_every_other_byte(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "", api={"dev": "2.0"})
    before = head(remote, "prod")
    outcome = promote(request_for(remote, tmp_path, approvers=("alice", "bob")))
    assert outcome.changed
    assert outcome.files == ("web/kustomization.yaml",)
    assert head(remote, "prod") == outcome.commit
    assert git(remote, "rev-parse", "prod~1") == before
    # Only web is in prod's release (spec images): api stays at prod's own 1.0.
    assert show(remote, "prod", "web/kustomization.yaml") == KUSTOMIZATION.format(
        stage="prod", tag="v2", api="1.0"
    )
    message = git(remote, "log", "-1", "--format=%B", "prod")
    assert message.splitlines()[0] == "promote web v2 dev -> prod"
    assert "  web v1 -> v2" in message
    assert "images:\n  registry.example/web:v2" in message
    trailers = git(remote, "log", "-1", "--format=%(trailers:only,unfold)", "prod").splitlines()
    assert trailers == [
        f"Seaway-Release: {request_for(remote, tmp_path / 'again').release.key}",
        "Approved-by: alice",
        "Approved-by: bob",
    ]
    assert (
        git(remote, "log", "-1", "--format=%an <%ae>", "prod") == "Release Bot <bot@example.test>"
    )


def test_promoting_what_the_stage_runs_changes_nothing(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v2"}, "")
    before = head(remote, "prod")
    outcome = promote(request_for(remote, tmp_path))
    assert not outcome.changed
    assert head(remote, "prod") == before


def test_concurrent_pushes_are_survived(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    other = tmp_path / "other"

    def race(attempt: int) -> None:
        # Two others push to prod between our commit and our push, twice.
        if attempt <= 2:
            push_other_change(remote, other, "prod", {f"notes/{attempt}.txt": "hotfix\n"})

    outcome = promote(request_for(remote, tmp_path), before_push=race)
    assert outcome.attempts == 3
    subjects = git(remote, "log", "--format=%s", "prod").splitlines()
    assert subjects[:3] == [
        "promote web v2 dev -> prod",
        "someone else's change",
        "someone else's change",
    ]
    assert "newTag: v2 # set by promotion" in show(remote, "prod", "web/kustomization.yaml")
    assert show(remote, "prod", "notes/1.txt") == "hotfix\n"


def test_concurrent_promotions_of_two_pipelines_both_land(tmp_path: Path) -> None:
    """Two promotions into one branch at the same time, from threads: both commits land."""
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    web = request_for(remote, tmp_path / "a", backoff=0.05, attempts=10)
    api_stage = web.target.model_copy(update={"images": ["registry.example/api"]})
    api_release = Release((parse_image_ref("registry.example/api:3.1"),))
    api = PromotionRequest(**{**web.__dict__, "target": api_stage, "release": api_release})
    errors: list[BaseException] = []

    def run(request: PromotionRequest) -> None:
        try:
            promote(request)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in (web, api)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    text = show(remote, "prod", "web/kustomization.yaml")
    assert "newTag: v2 # set by promotion" in text
    assert 'newTag: "3.1"' in text


def test_folders_layout_promotes_between_folders_of_one_branch(tmp_path: Path) -> None:
    deploy = (
        "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: web\n"
        "        image: registry.example/web:%s  # pinned\n"
    )
    upstream = Upstream(tmp_path / "up")
    upstream.commit(
        {
            "envs/dev/deploy.yaml": deploy % "v7",
            "envs/dev/settings.properties": "color=green\n",
            "envs/prod/deploy.yaml": deploy % "v6",
            "envs/prod/settings.properties": "color=blue\n",
        }
    )
    remote = upstream.bare_copy(tmp_path / "remote.git")
    pipeline = parse_pipeline(
        pipeline_yaml(
            [
                {"name": "dev", "apps": ["d"], "path": "envs/dev"},
                {
                    "name": "prod",
                    "apps": ["p"],
                    "path": "envs/prod",
                    "files": ["settings.properties"],
                },
            ]
        )
    )
    dev, prod = pipeline.stages
    release = release_in(checkout(remote, "main", tmp_path / "c"), pipeline, dev, prod)
    assert release.files == (("settings.properties", "color=green\n"),)
    outcome = promote(PromotionRequest(pipeline, dev, prod, release, str(remote), AUTHOR))
    assert outcome.branch == "main"
    assert show(remote, "main", "envs/prod/deploy.yaml") == deploy % "v7"
    assert show(remote, "main", "envs/prod/settings.properties") == "color=green\n"
    assert show(remote, "main", "envs/dev/deploy.yaml") == deploy % "v7"
    assert git(remote, "log", "-1", "--format=%s", "main") == "promote web v7 dev -> prod"


class Recorder(BaseHTTPRequestHandler):
    """Stands in for GitHub's REST API: this machine reaches no GitHub. It records the request
    and answers as GitHub documents it."""

    seen: ClassVar[list[dict[str, Any]]] = []
    status = 201

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.seen.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
        )
        answer = (
            {"number": 7, "html_url": "https://github.example/o/env/pull/7"}
            if self.status < 300
            else {"message": "Validation Failed"}
        )
        data = json.dumps(answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def api() -> Iterator[str]:
    Recorder.seen = []
    Recorder.status = 201
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_pull_request_mode_pushes_a_branch_and_opens_a_pr(tmp_path: Path, api: str) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    before = head(remote, "prod")
    spec = {"provider": "github", "apiURL": api, "repository": "o/env"}
    pipeline = parse_pipeline(pipeline_yaml(STAGES, pullRequest=spec))
    request = request_for(remote, tmp_path, token="s3cret")
    request = PromotionRequest(
        **{**request.__dict__, "pipeline": pipeline, "pull_request": pipeline.spec.pull_request}
    )
    outcome = promote(request)
    assert head(remote, "prod") == before
    assert outcome.pull_request is not None
    assert outcome.pull_request.url == "https://github.example/o/env/pull/7"
    branch = outcome.branch
    assert branch.startswith("seaway/promote-web-prod-")
    assert head(remote, branch) == outcome.commit
    [seen] = Recorder.seen
    assert seen["path"] == "/repos/o/env/pulls"
    assert seen["headers"]["Authorization"] == "Bearer s3cret"
    assert seen["json"]["head"] == branch
    assert seen["json"]["base"] == "prod"
    assert seen["json"]["title"] == "promote web v2 dev -> prod"


def test_pull_request_refused_says_so_without_the_token(tmp_path: Path, api: str) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    Recorder.status = 422
    spec = {"provider": "gitlab", "apiURL": api, "repository": "group/env"}
    pipeline = parse_pipeline(pipeline_yaml(STAGES, pullRequest=spec))
    request = request_for(remote, tmp_path, token="s3cret")
    request = PromotionRequest(
        **{**request.__dict__, "pipeline": pipeline, "pull_request": pipeline.spec.pull_request}
    )
    with pytest.raises(PullRequestError) as caught:
        promote(request)
    assert "HTTP 422: Validation Failed; the branch is pushed" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    [seen] = Recorder.seen
    assert seen["path"] == "/projects/group%2Fenv/merge_requests"
    assert seen["headers"]["PRIVATE-TOKEN"] == "s3cret"
    assert seen["json"]["target_branch"] == "prod"


def test_pull_request_mode_without_a_token_changes_nothing(tmp_path: Path) -> None:
    remote = branches_repo(tmp_path, {"dev": "v2", "prod": "v1"}, "")
    spec = {"provider": "github", "apiURL": "http://127.0.0.1:9", "repository": "o/env"}
    pipeline = parse_pipeline(pipeline_yaml(STAGES, pullRequest=spec))
    request = request_for(remote, tmp_path)
    request = PromotionRequest(
        **{**request.__dict__, "pipeline": pipeline, "pull_request": pipeline.spec.pull_request}
    )
    with pytest.raises(BadInputError, match="no token is set"):
        promote(request)
    assert git(remote, "branch", "--list", "seaway/*") == ""


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([{"name": "dev", "apps": ["a"]}], "spec.stages: a pipeline needs at least two stages"),
        (
            [{"name": "dev", "apps": ["a"]}, {"name": "Prod", "apps": ["b"], "path": "p"}],
            "spec.stages[1].name: stage name 'Prod' may hold only",
        ),
        (
            [{"name": "dev", "apps": ["a"]}, {"name": "prod", "apps": ["b"]}],
            "spec.stages[0].path: stage 'dev' shares branch main and path . with another",
        ),
        (
            [
                {"name": "dev", "apps": ["a"], "branch": "dev"},
                {"name": "prod", "apps": ["b"], "soak": "ten minutes"},
            ],
            "spec.stages[1].soak:",
        ),
        (
            [
                {"name": "dev", "apps": ["a"], "branch": "dev"},
                {"name": "prod", "apps": ["b"], "approvals": {"count": 2, "roles": ["admin"]}},
            ],
            "spec.stages[1].approvals.roles[0]: 'admin' is not a role",
        ),
        (
            [
                {"name": "dev", "apps": ["a"], "branch": "dev"},
                {"name": "prod", "apps": []},
            ],
            "spec.stages[1].apps: a stage names the Applications that deploy it",
        ),
    ],
)
def test_bad_pipelines_name_file_and_field(stages: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_pipeline(pipeline_yaml(stages))
    assert "seaway-pipeline.yaml, document 1 (Pipeline web): " in str(caught.value)
    assert message in str(caught.value)


def test_wrong_api_version_is_named() -> None:
    text = pipeline_yaml([]).replace("seaway.dev/v1alpha1", "argoproj.io/v1alpha1")
    with pytest.raises(ManifestError, match=r"apiVersion: must be seaway\.dev/v1alpha1"):
        parse_pipeline(text)
