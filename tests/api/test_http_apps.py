"""Applications through the HTTP API of a real server: sync, refresh, rollback, diff, history
and the resource tree, each reflected in the app's status; the live event stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.api.live import configmap, health_of, live_server, revision_of, sync_of

pytestmark = pytest.mark.anyio


async def test_sync_refresh_rollback_through_the_api(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live:
        token = await live.login("admin")
        first = live.upstream.git("rev-parse", "HEAD")
        async with live.client(token) as api:
            await live.wait_for("web-a", lambda s: sync_of(s) == "OutOfSync")
            listed = (await api.get("/api/v1/applications")).json()["items"]
            assert {a["name"]: a["sync"] for a in listed} == {
                "web-a": "OutOfSync",
                "web-b": "OutOfSync",
            }

            diff = (await api.get("/api/v1/applications/web-a/diff")).json()
            assert diff["revision"] == first
            assert not diff["inSync"]
            assert [d["resource"] for d in diff["resources"]] == [
                "core/ConfigMap/ns-web-a/settings"
            ]

            answer = await api.post("/api/v1/applications/web-a/sync", json={})
            assert answer.status_code == 202, answer.text
            await live.wait_for(
                "web-a", lambda s: sync_of(s) == "Synced" and health_of(s) == "Healthy"
            )
            got = (await api.get("/api/v1/applications/web-a")).json()
            assert got["summary"]["revision"] == first
            assert got["object"]["status"]["operationState"]["phase"] == "Succeeded"
            tree = (await api.get("/api/v1/applications/web-a/resource-tree")).json()["nodes"]
            assert [(n["kind"], n["name"], n["status"]) for n in tree] == [
                ("ConfigMap", "settings", "Synced")
            ]

            # A new commit is seen at once on a refresh (the poll interval is an hour).
            second = live.upstream.commit({"app/config.yaml": configmap("settings", version="v2")})
            answer = await api.post("/api/v1/applications/web-a/refresh")
            assert answer.status_code == 202
            await live.wait_for(
                "web-a", lambda s: sync_of(s) == "OutOfSync" and revision_of(s) == second
            )
            await api.post("/api/v1/applications/web-a/sync", json={"prune": True})
            await live.wait_for(
                "web-a", lambda s: sync_of(s) == "Synced" and revision_of(s) == second
            )

            history = (await api.get("/api/v1/applications/web-a/history")).json()["items"]
            assert [(h["id"], h["revision"]) for h in history] == [(0, first), (1, second)]
            assert history[0]["deployedAt"]

            answer = await api.post("/api/v1/applications/web-a/rollback", json={"id": 0})
            assert answer.status_code == 202, answer.text
            # The old revision runs; Git's head is newer, which the next refresh will show.
            status = await live.wait_for(
                "web-a", lambda s: [h["revision"] for h in s["history"]][-1:] == [first]
            )
            assert status["operationState"]["phase"] == "Succeeded"
            assert status["operationState"]["syncResult"]["revision"] == first
            assert status["operationState"]["operation"]["initiatedBy"]["username"] == "admin"
            assert revision_of(status) == first
            # A pending sync request is no field of the spec the user wrote.
            assert not status.get("conditions")
            missing = await api.post("/api/v1/applications/web-a/rollback", json={"id": 9})
            assert missing.status_code == 409
            assert "no history entry 9" in missing.json()["detail"]
            assert (await api.get("/api/v1/applications/nope")).status_code == 404

        actions = [(e.action, e.target) for e in live.access.audit.query(actor="admin")]
        assert ("applications.sync", "team-a/web-a") in actions
        assert ("applications.refresh", "team-a/web-a") in actions
        assert ("login", "admin") in actions


async def test_rollback_is_refused_while_automated_sync_is_on(tmp_path: Path) -> None:
    async with live_server(tmp_path, apps=()) as live:
        live.write_app(
            "auto", "team-a", syncPolicy={"automated": {}, "syncOptions": ["CreateNamespace=true"]}
        )
        await live.wait_for("auto", lambda s: sync_of(s) == "Synced")
        token = await live.login("admin")
        async with live.client(token) as api:
            answer = await api.post("/api/v1/applications/auto/rollback", json={"id": 0})
        assert answer.status_code == 409
        assert "automated sync is on" in answer.json()["detail"]


async def test_the_event_stream_carries_status_changes(tmp_path: Path) -> None:
    async with live_server(tmp_path) as live:
        token = await live.login("admin")
        await live.wait_for("web-a", lambda s: sync_of(s) == "OutOfSync")
        seen: list[dict[str, object]] = []

        async def read_stream() -> None:
            async with (
                live.client(token, timeout=None) as client,
                client.stream("GET", "/api/v1/stream/events?app=web-a") as stream,
            ):
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for line in stream.aiter_lines():
                    if line.startswith("data:"):
                        seen.append(json.loads(line[5:]))
                        if seen[-1]["sync"] == "Synced":
                            return

        reader = asyncio.create_task(read_stream())
        # The stream is open once the server has subscribed the reader to the hub.
        while not reader.done() and not live.server.hub._listeners:
            await asyncio.sleep(0.05)
        async with live.client(token) as api:
            await api.post("/api/v1/applications/web-a/sync", json={})
        await asyncio.wait_for(reader, 60)
        assert seen[-1]["app"] == "web-a"
        assert seen[-1]["kind"] == "app.status"
        assert {e["app"] for e in seen} == {"web-a"}

        async with live.client(token) as api:
            kept = (await api.get("/api/v1/events", params={"app": "web-a"})).json()["items"]
        assert kept[-1]["sync"] == "Synced"
        assert [e["id"] for e in kept] == sorted(e["id"] for e in kept)

        # A client that reconnects with Last-Event-ID gets what it missed, from the kept events.
        async with (
            live.client(token, timeout=None) as client,
            client.stream(
                "GET",
                "/api/v1/stream/events?app=web-a",
                headers={"Last-Event-ID": str(kept[0]["id"] - 1)},
            ) as stream,
        ):
            replayed = []
            async for line in stream.aiter_lines():
                if line.startswith("id:"):
                    replayed.append(int(line[3:]))
                    if len(replayed) == len(kept):
                        break
        assert replayed == [e["id"] for e in kept]
