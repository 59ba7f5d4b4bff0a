"""Stage pipelines end to end on the local backend: a real env repo with dev, staging and prod
branches, real Applications reconciled by the controller (Deployments run as processes), and
the promotion loop committing to the repo. The loop's clock is driven by the test (soak times
and windows are not waited for), and no assertion is about speed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.controller.promotion import PromotionLoop, approve_and_promote, promotion_loop
from seaway.controller.service import LocalControl, Settings, build_local
from seaway.controller.stages import find_pipeline
from seaway.promote.gate import Approver, HoldKind
from seaway.source import RepoCache
from tests.gitrepo import GIT_ENV, Upstream, git

pytestmark = pytest.mark.anyio

KUSTOMIZATION = """\
# {stage}
resources: [deploy.yaml]
images:
  - name: registry.example/web
    newTag: {tag}   # the release
"""
SLEEP = [sys.executable, "-c", "import time; time.sleep(3600)"]
CRASH = [sys.executable, "-c", "raise SystemExit(1)"]


def deploy(command: list[str]) -> str:
    container = {"name": "web", "image": "registry.example/web:v0", "command": command}
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "progressDeadlineSeconds": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [container]},
                },
            },
        }
    )


def stages(prod: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": "dev", "apps": ["web-dev"], "branch": "dev", "path": "web"},
        {
            "name": "staging",
            "apps": ["web-staging"],
            "branch": "staging",
            "path": "web",
            "promotion": "auto",
            "soak": "10m",
        },
        {"name": "prod", "apps": ["web-prod"], "branch": "prod", "path": "web", **prod},
    ]


def application(name: str, url: str, branch: str, project: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": project,
            "source": {"repoURL": url, "targetRevision": branch, "path": "web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": branch},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }


NIGHTLY_FREEZE = {
    "kind": "deny",
    "schedule": "0 22 * * *",
    "duration": "8h",
    "applications": ["web-prod"],
    "description": "nightly freeze",
}


# Always open, so that the CLI (on the real clock) meets it whatever the time.
ALWAYS_FROZEN = {**NIGHTLY_FREEZE, "schedule": "* * * * *", "duration": "2m", "description": ""}
WINDOWS: dict[str, list[dict[str, Any]]] = {
    "freeze": [NIGHTLY_FREEZE],
    "no-window": [],
    "always": [ALWAYS_FROZEN],
}


def project(windows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "shop"},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "syncWindows": windows,
        },
    }


class World:
    def __init__(
        self,
        tmp: Path,
        prod: dict[str, Any],
        staging_command: list[str],
        windows: list[dict[str, Any]] | None = None,
    ) -> None:
        self.tmp = tmp
        upstream = Upstream(tmp / "upstream")
        pipeline = {
            "apiVersion": "seaway.dev/v1alpha1",
            "kind": "Pipeline",
            "metadata": {"name": "web"},
            "spec": {"stages": stages(prod)},
        }
        upstream.commit({"seaway-pipeline.yaml": yaml.safe_dump(pipeline)}, "pipeline")
        for stage, tag, command in (
            ("dev", "v2", SLEEP),
            ("staging", "v1", staging_command),
            ("prod", "v1", SLEEP),
        ):
            files = {
                "web/kustomization.yaml": KUSTOMIZATION.format(stage=stage, tag=tag),
                "web/deploy.yaml": deploy(command),
            }
            upstream.commit(files, f"{stage}: web {tag}", branch=stage)
        self.remote = upstream.bare_copy(tmp / "remote.git")
        self.url = self.remote.as_uri()
        self.apps = tmp / "apps"
        self.apps.mkdir()
        docs = [project([NIGHTLY_FREEZE] if windows is None else windows)] + [
            application(f"web-{s}", self.url, s, "shop" if s == "prod" else "default")
            for s in ("dev", "staging", "prod")
        ]
        (self.apps / "apps.yaml").write_text(yaml.safe_dump_all(docs))
        self.now = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)
        self.control: LocalControl | None = None
        self.loop: PromotionLoop | None = None

    async def start(self) -> None:
        self.control = await build_local(
            self.tmp / "data", [self.apps], Settings(interval=3600, step_timeout=30)
        )
        self.control.controller.reconciler.clock = lambda: self.now
        self.control.apps.load(force=True)
        self.loop = promotion_loop(
            self.control.apps,
            RepoCache(self.tmp / "repos"),
            self.tmp / "data" / "seaway.db",
            (f"{self.url}#main:seaway-pipeline.yaml",),
            1.0,
        )
        assert self.loop is not None
        self.loop.clock = lambda: self.now

    async def reconcile(self, *names: str) -> None:
        assert self.control is not None
        for name in names:
            await self.control.controller.reconcile_one(f"web-{name}")

    async def step(self) -> dict[str, tuple[str, str]]:
        assert self.loop is not None
        return {r.stage: (r.action, r.detail) for r in await self.loop.step()}

    def tag(self, branch: str) -> str:
        text = git(self.remote, "show", f"{branch}:web/kustomization.yaml")
        return str(yaml.safe_load(text)["images"][0]["newTag"])

    def later(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)

    def why(self, *args: str) -> subprocess.CompletedProcess[str]:
        return seaway(
            "why", "web", "--pipeline", str(self.remote), "--data-dir", str(self.tmp / "data"),
            "--repo-cache", str(self.tmp / "cli-repos"), *args,
        )  # fmt: skip


def seaway(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seaway", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, "COLUMNS": "200", **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.fixture
async def auto_world(tmp_path: Path) -> AsyncIterator[World]:
    made = World(tmp_path, {"promotion": "auto"}, SLEEP, [])
    await made.start()
    try:
        yield made
    finally:
        assert made.control is not None
        await made.control.close()


async def test_auto_promotion_moves_through_soak_to_prod(auto_world: World) -> None:
    w = auto_world
    await w.reconcile("dev", "staging", "prod")
    held = await w.step()
    assert held["staging"][0] == "held"
    assert (
        "soak time: dev has run Healthy since 2026-06-03T12:00:00Z; 10m of 10m left"
        in (held["staging"][1])
    )
    assert held["prod"] == ("up-to-date", "")
    w.later(minutes=10)
    promoted = await w.step()
    assert promoted["staging"][0] == "promoted"
    assert w.tag("staging") == "v2"
    assert git(w.remote, "log", "-1", "--format=%s", "staging") == "promote web v2 dev -> staging"
    # prod waits for staging to run the new release.
    assert promoted["prod"][0] == "held"
    assert "not yet the release's revision" in promoted["prod"][1]
    await w.reconcile("staging")
    done = await w.step()
    assert done["prod"][0] == "promoted"
    assert w.tag("prod") == "v2"
    await w.reconcile("prod")
    assert (await w.step()) == {"staging": ("up-to-date", ""), "prod": ("up-to-date", "")}

    why = w.why("--stage", "prod")
    assert why.returncode == 0, why.stderr
    assert "stage prod (prod:web, promotion auto):" in why.stdout
    assert "runs v2 (registry.example/web:v2)" in why.stdout
    assert "promoted from staging automatically (commit " in why.stdout
    assert "prod already runs what staging runs: v2" in why.stdout


async def test_why_tells_the_soak_time_left(auto_world: World) -> None:
    w = auto_world
    await w.reconcile("dev", "staging", "prod")
    # `why` runs on the real clock: the soak starts when it first sees dev Healthy.
    soaking = w.why("--stage", "staging")
    assert soaking.returncode == 0, soaking.stderr
    assert "dev runs v2 (registry.example/web:v2); promotion into staging (auto) is held by:" in (
        soaking.stdout
    )
    assert "- soak: soak time: dev has run Healthy since " in soaking.stdout
    assert "of 10m left" in soaking.stdout
    assert "stage staging (staging:web, promotion auto):" in soaking.stdout
    assert "runs v1 (registry.example/web:v1) at commit" in soaking.stdout
    assert ": commit " in soaking.stdout
    assert "by Seaway Test <test@seaway.invalid>: staging: web v1" in soaking.stdout


async def test_auto_promotion_stops_at_a_failed_check(tmp_path: Path) -> None:
    w = World(tmp_path, {"promotion": "auto"}, CRASH, [])
    await w.start()
    try:
        await w.reconcile("dev", "staging", "prod")
        w.later(minutes=1)
        await w.step()
        w.later(minutes=10)
        assert (await w.step())["staging"][0] == "promoted"
        await w.reconcile("staging")  # its Deployment crashes: Degraded
        stopped = await w.step()
        assert stopped["prod"][0] == "stopped"
        assert "app web-staging is Degraded" in stopped["prod"][1]
        assert w.tag("prod") == "v1"
        # The stop holds that release, even on later rounds.
        again = await w.step()
        assert again["prod"][0] == "held"
        assert "automated promotion stopped at 2026-06-03T12:11:00Z" in again["prod"][1]
        assert w.tag("prod") == "v1"
        why = w.why()
        assert why.returncode == 0, why.stderr
        assert "stage dev (dev:web, promotion manual):" in why.stdout
        assert "releases reach it from CI" in why.stdout
        assert "- health: app web-staging is Degraded" in why.stdout
        assert "- stopped: automated promotion stopped at" in why.stdout
    finally:
        assert w.control is not None
        await w.control.close()


MANUAL_PROD = {
    "promotion": "manual",
    "approvals": {"count": 2, "roles": ["role:admin", "role:deployer:shop"]},
}


@pytest.fixture(params=["freeze"])
async def manual_world(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    # The CLI runs on the real clock: its tests use a project without the nightly freeze.
    made = World(tmp_path, MANUAL_PROD, SLEEP, WINDOWS[request.param])
    await made.start()
    # staging already runs v2, as dev does.
    upstream_stage = made.tmp / "staging-clone"
    git(made.tmp, "clone", "--quiet", "--branch", "staging", str(made.remote), str(upstream_stage))
    (upstream_stage / "web/kustomization.yaml").write_text(
        KUSTOMIZATION.format(stage="staging", tag="v2")
    )
    git(upstream_stage, "commit", "--quiet", "-am", "staging: web v2")
    git(upstream_stage, "push", "--quiet", "origin", "HEAD:staging")
    await made.reconcile("dev", "staging", "prod")
    try:
        yield made
    finally:
        assert made.control is not None
        await made.control.close()


async def test_manual_promotion_waits_for_two_approvals_and_the_window(
    manual_world: World,
) -> None:
    w = manual_world
    assert w.loop is not None
    [loaded] = await w.loop.pipelines()
    prod = loaded.pipeline.stages[2]
    promoter = w.loop.promoter
    # The loop never promotes a manual stage by itself.
    assert (await w.step())["prod"][0] == "held"

    first = await approve_and_promote(
        promoter, loaded, prod, Approver("alice", ("role:admin",), w.now), by="alice", now=w.now
    )
    assert first.approved
    assert first.promotion is None
    [hold] = first.report.verdict.holds
    assert hold.kind is HoldKind.APPROVAL
    assert hold.message == (
        "needs 1 more approval (2 from people holding role:admin or role:deployer:shop); "
        "approved by: alice"
    )
    # Someone without a required role does not count.
    viewer = await approve_and_promote(
        promoter, loaded, prod, Approver("victor", ("role:readonly",), w.now), by="v", now=w.now
    )
    assert viewer.promotion is None
    assert "not counted (role missing): victor" in viewer.report.verdict.holds[0].message

    # The second approval comes in the deny window: approved, but held until 06:00.
    w.now = dt.datetime(2026, 6, 3, 23, 0, tzinfo=dt.UTC)
    second = await approve_and_promote(
        promoter, loaded, prod, Approver("bob", ("role:deployer:shop",), w.now), by="bob", now=w.now
    )
    assert second.promotion is None
    [window] = second.report.verdict.holds
    assert window.kind is HoldKind.WINDOW
    assert window.until == dt.datetime(2026, 6, 4, 6, 0, tzinfo=dt.UTC)
    assert 'deny window "0 22 * * *" for 8h (UTC) - nightly freeze' in window.message
    assert (await w.step())["prod"][0] == "held"
    assert w.tag("prod") == "v1"

    # After the window, the loop promotes what people approved.
    w.now = dt.datetime(2026, 6, 4, 6, 0, tzinfo=dt.UTC)
    assert (await w.step())["prod"][0] == "promoted"
    assert w.tag("prod") == "v2"
    trailers = git(w.remote, "log", "-1", "--format=%(trailers:only,unfold)", "prod")
    assert "Approved-by: alice\nApproved-by: bob" in trailers
    assert "victor" not in trailers
    records = promoter.reader.store.promotions("web", "prod")
    assert [(r.by, r.approvers, r.automatic) for r in records] == [
        ("seaway", ("alice", "bob"), True)
    ]
    approvals = promoter.reader.store.approvals("web", "prod", records[0].release)
    assert [(a.user, a.roles, a.at) for a in approvals] == [
        ("alice", ("role:admin",), dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)),
        ("victor", ("role:readonly",), dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)),
        ("bob", ("role:deployer:shop",), dt.datetime(2026, 6, 3, 23, 0, tzinfo=dt.UTC)),
    ]


@pytest.mark.parametrize("manual_world", ["no-window"], indirect=True)
async def test_cli_promote_records_the_approver_and_promotes(manual_world: World) -> None:
    w = manual_world
    policy = w.tmp / "policy.csv"
    policy.write_text(
        "g, alice, role:admin\n"
        "p, role:release-manager, promotions, approve, shop/*, allow\n"
        "g, ops, role:release-manager\ng, ops, role:deployer:shop\n"
        "g, dan, role:deployer:shop\n"
    )
    common = [
        "--pipeline", str(w.remote), "--data-dir", str(w.tmp / "data"),
        "--repo-cache", str(w.tmp / "cli-repos"), "--policy", str(policy),
    ]  # fmt: skip
    first = seaway("promote", "web", "--to", "prod", "--as", "alice", *common)
    assert first.returncode == 3, first.stderr
    assert "approval by alice of v2 into prod recorded" in first.stdout
    assert "- approval: needs 1 more approval" in first.stderr
    waiting = w.why("--stage", "prod")
    assert (
        "- approval: needs 1 more approval (2 from people holding role:admin or "
        "role:deployer:shop); approved by: alice"
    ) in waiting.stdout
    again = seaway("promote", "web-prod", "--to", "prod", "--as", "alice", *common)
    assert again.returncode == 3
    assert "alice had already approved v2 into prod" in again.stdout

    refused = seaway("promote", "web", "--to", "prod", "--as", "mallory", *common)
    assert refused.returncode == 2
    assert "mallory may not approve promotions into prod" in refused.stderr
    # A deployer may promote what others approved, but their word is no approval.
    deployer = seaway("promote", "web", "--to", "prod", "--as", "dan", *common)
    assert deployer.returncode == 3
    assert "dan may promote but not approve: no approval recorded" in deployer.stdout
    assert "approved by: alice" in deployer.stderr

    done = seaway("promote", "web", "--to", "prod", "--as", "bob", "--group", "ops", *common)
    assert done.returncode == 0, done.stderr
    assert "promoted web v2 staging -> prod: commit " in done.stdout
    assert "(approved by alice, bob)" in done.stdout
    assert w.tag("prod") == "v2"
    assert git(w.remote, "log", "-1", "--format=%s", "prod") == "promote web v2 staging -> prod"

    why = w.why("--stage", "prod")
    assert "promoted from staging by bob, approved by alice, bob (commit" in why.stdout


@pytest.mark.parametrize("manual_world", ["no-window"], indirect=True)
async def test_cli_errors_name_the_problem(manual_world: World) -> None:
    w = manual_world
    common = ["--pipeline", str(w.remote), "--data-dir", str(w.tmp / "data")]
    unknown = seaway("promote", "web", "--to", "qa", "--as", "alice", *common)
    assert unknown.returncode == 2
    assert "pipeline web has no stage 'qa' (dev, staging, prod)" in unknown.stderr
    first = seaway("promote", "web", "--to", "dev", "--as", "alice", *common)
    assert first.returncode == 2
    assert "stage dev is the first of pipeline web" in first.stderr
    nobody = seaway("why", "shop", *common)
    assert nobody.returncode == 2
    assert "no pipeline is named 'shop' or deploys an app of that name (web)" in nobody.stderr


def test_find_pipeline_by_app_name() -> None:
    with pytest.raises(Exception, match="no pipeline"):
        find_pipeline([], "web")


@pytest.mark.parametrize("manual_world", ["always"], indirect=True)
async def test_cli_promote_in_a_deny_window_records_and_holds(manual_world: World) -> None:
    w = manual_world
    policy = w.tmp / "policy.csv"
    policy.write_text("g, alice, role:admin\ng, bob, role:admin\n")
    common = ["--pipeline", str(w.remote), "--data-dir", str(w.tmp / "data")]
    common += ["--policy", str(policy)]
    for user in ("alice", "bob"):
        held = seaway("promote", "web", "--to", "prod", "--as", user, *common)
        assert held.returncode == 3, held.stderr
        assert f"approval by {user} of v2 into prod recorded" in held.stdout
    assert "- approval:" not in held.stderr
    assert (
        "- window: promotion into prod held (app web-prod): blocked by the deny window "
        '"* * * * *" for 2m (UTC), open until '
    ) in held.stderr
    assert w.tag("prod") == "v1"
    why = w.why("--stage", "prod")
    assert why.returncode == 0, why.stderr
    assert "stage prod (prod:web, promotion manual):" in why.stdout
    assert "runs v1 (registry.example/web:v1) at commit" in why.stdout
    assert "since " in why.stdout
    assert ": commit " in why.stdout
    assert "prod files" not in why.stdout
    assert "- window: promotion into prod held" in why.stdout
