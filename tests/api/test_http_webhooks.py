"""Git push webhooks on a real server: a good signature refreshes the apps of the pushed repo
and branch at once (the poll interval is an hour); a bad or missing one gets 401 and the apps
stay where they were."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest

from seaway.api.auth import Outcome
from seaway.api.webhook.payload import Provider
from seaway.api.webhook.secrets import WebhookSecrets, load_secrets
from seaway.api.webhook.signature import body_signature
from tests.api.live import configmap, live_server, revision_of, sync_of

pytestmark = pytest.mark.anyio

SECRETS = WebhookSecrets(
    {Provider.GITHUB: b"gh-secret", Provider.GITLAB: b"gl-token", Provider.GENERIC: b"gen"},
    "X-Deploy-Signature",
)


def github_push(url: str, branch: str = "main") -> bytes:
    return json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "repository": {"clone_url": url, "default_branch": "main"},
        }
    ).encode()


async def test_signed_pushes_refresh_matching_apps_and_bad_ones_change_nothing(
    tmp_path: Path,
) -> None:
    async with live_server(tmp_path, webhooks=SECRETS) as live:
        first = live.upstream.git("rev-parse", "HEAD")
        for name in ("web-a", "web-b"):
            await live.wait_for(name, lambda s: revision_of(s) == first)
        await live.idle()
        second = live.upstream.commit({"app/config.yaml": configmap("settings", version="v2")})
        body = github_push(live.upstream.url)
        async with live.client() as hook:
            refused = [
                await hook.post(
                    "/api/webhook",
                    content=body,
                    headers={
                        "X-GitHub-Event": "push",
                        "X-Hub-Signature-256": body_signature(b"wrong", body),
                    },
                ),
                await hook.post("/api/webhook", content=body, headers={"X-GitHub-Event": "push"}),
                await hook.post(
                    "/api/webhook",
                    content=body,
                    headers={"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "guess"},
                ),
                await hook.post("/api/webhook", content=body),
            ]
            assert [r.status_code for r in refused] == [401, 401, 401, 401]
            # Nothing moved: no app was asked to look at Git again.
            await asyncio.sleep(2.0)
            assert revision_of(live.status("web-a")) == first
            assert revision_of(live.status("web-b")) == first
            denied = live.access.audit.query(action="webhook", outcome=Outcome.DENIED)
            assert len(denied) == 3

            # A push to another branch concerns no app.
            other = github_push(live.upstream.url, "feature")
            answer = await hook.post(
                "/api/webhook",
                content=other,
                headers={
                    "X-GitHub-Event": "push",
                    "X-Hub-Signature-256": body_signature(b"gh-secret", other),
                },
            )
            assert answer.json()["refreshed"] == []

            answer = await hook.post(
                "/api/webhook",
                content=body,
                headers={
                    "X-GitHub-Event": "push",
                    "X-Hub-Signature-256": body_signature(b"gh-secret", body),
                },
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["refreshed"] == ["web-a", "web-b"]
        for name in ("web-a", "web-b"):
            await live.wait_for(
                name, lambda s: revision_of(s) == second and sync_of(s) == "OutOfSync"
            )


async def test_gitlab_and_generic_pushes(tmp_path: Path) -> None:
    async with live_server(tmp_path, webhooks=SECRETS, apps=(("web-a", "team-a"),)) as live:
        first = live.upstream.git("rev-parse", "HEAD")
        await live.wait_for("web-a", lambda s: revision_of(s) == first)
        await live.idle()
        second = live.upstream.commit({"app/config.yaml": configmap("settings", version="v2")})
        gitlab = json.dumps(
            {"ref": "refs/heads/main", "project": {"git_http_url": live.upstream.url}}
        ).encode()
        async with live.client() as hook:
            answer = await hook.post(
                "/api/webhook",
                content=gitlab,
                headers={"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "gl-token"},
            )
            assert answer.json()["refreshed"] == ["web-a"]
            await live.wait_for("web-a", lambda s: revision_of(s) == second)

            third = live.upstream.commit({"app/config.yaml": configmap("settings", version="v3")})
            generic = json.dumps({"repoURL": live.upstream.url, "branch": "main"}).encode()
            answer = await hook.post(
                "/api/webhook",
                content=generic,
                headers={"X-Deploy-Signature": body_signature(b"gen", generic)},
            )
            assert answer.json()["refreshed"] == ["web-a"]
            await live.wait_for("web-a", lambda s: revision_of(s) == third)
            # GitHub's ping when a hook is made, and its form-encoded content type.
            ping = b'{"zen": "Keep it logically awesome."}'
            answer = await hook.post(
                "/api/webhook",
                content=ping,
                headers={
                    "X-GitHub-Event": "ping",
                    "X-Hub-Signature-256": body_signature(b"gh-secret", ping),
                },
            )
            assert answer.json()["message"] == "'ping' events are ignored"
            form = b"payload=" + quote_from_bytes(github_push(live.upstream.url)).encode()
            answer = await hook.post(
                "/api/webhook",
                content=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-GitHub-Event": "push",
                    "X-Hub-Signature-256": body_signature(b"gh-secret", form),
                },
            )
            assert answer.json()["refreshed"] == ["web-a"]
            # The right signature over a different body is a bad signature.
            answer = await hook.post(
                "/api/webhook",
                content=generic + b" ",
                headers={"X-Deploy-Signature": body_signature(b"gen", generic)},
            )
            assert answer.status_code == 401


def test_secrets_come_from_a_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.yaml"
    path.write_text("github: from-file\ngenericHeader: X-Sig\n")
    loaded = load_secrets(path, {"SEAWAY_WEBHOOK_GITLAB_SECRET": "from-env"})
    assert loaded.secret(Provider.GITHUB) == b"from-file"
    assert loaded.secret(Provider.GITLAB) == b"from-env"
    assert loaded.secret(Provider.GENERIC) is None
    assert loaded.generic_header == "X-Sig"
    assert "from-file" not in repr(loaded)
    path.write_text("githbu: typo\n")
    with pytest.raises(ValueError, match=r"webhooks.yaml: unknown key\(s\) githbu"):
        load_secrets(path, {})
