"""Notifications: the pure core (config, triggers, templates) and, end to end, messages for
OutOfSync and Degraded apps received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from seaway.notify import Trigger, emit
from seaway.notify.config import NotifyConfigError, parse_config
from seaway.notify.events import Event, Hub
from seaway.notify.render import messages
from seaway.notify.triggers import AppState, fired, state_of
from tests.api.live import health_of, live_server


class Receiver:
    """An HTTP server that records JSON bodies; the first `fail_first` requests get a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.attempts += 1
                    failing = receiver.attempts <= receiver.fail_first
                    if not failing:
                        receiver.bodies.append((self.path, json.loads(body)))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def received(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [body for where, body in self.bodies if where == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(fail_first=1)
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        made.server.shutdown()
        made.server.server_close()


def config_text(url: str) -> str:
    return yaml.safe_dump(
        {
            "destinations": {
                "hook": {"url": f"{url}/hook"},
                "chat": {"urlFromEnv": "TEST_SEAWAY_CHAT_URL", "format": "slack"},
            },
            "templates": {"degraded": "{{app}} ({{project}}) is {{health}}: {{message}}"},
            "subscriptions": [
                {"triggers": ["on-out-of-sync", "on-degraded"], "destinations": ["hook"]},
                {
                    "triggers": ["on-degraded"],
                    "destinations": ["chat"],
                    "apps": ["crash*"],
                    "template": "degraded",
                },
            ],
        }
    )


def test_the_config_names_each_problem_with_its_field() -> None:
    text = yaml.safe_dump(
        {
            "destinations": {"a": {"url": "ftp://x"}, "b": {}},
            "templates": {"t": "{{app}} {{nope}}"},
            "subscriptions": [{"triggers": ["on-everything"], "destinations": ["a"]}],
        }
    )
    with pytest.raises(NotifyConfigError) as caught:
        parse_config(text, "notify.yaml")
    problems = "\n".join(caught.value.problems)
    assert "destinations.a: Value error, url must start with http:// or https://" in problems
    assert "destinations.b: Value error, give exactly one of url" in problems
    assert "subscriptions.0.triggers.0" in problems
    text = yaml.safe_dump(
        {
            "destinations": {"a": {"url": "https://x"}},
            "templates": {"t": "{{app}} {{nope}}"},
            "subscriptions": [{"triggers": ["on-degraded"], "destinations": ["a", "zz"]}],
        }
    )
    with pytest.raises(NotifyConfigError) as caught:
        parse_config(text, "notify.yaml")
    assert str(caught.value).splitlines() == [
        "notify.yaml: templates.t: unknown placeholder {{nope}} (known: app, at, health, "
        "kind, message, phase, project, revision, sync, trigger)",
        "notify.yaml: subscriptions[0].destinations: no destination named 'zz'",
    ]


def test_triggers_fire_on_the_change_into_a_state() -> None:
    synced = state_of({"sync": {"status": "Synced"}, "health": {"status": "Healthy"}})
    drifted = state_of({"sync": {"status": "OutOfSync"}, "health": {"status": "Healthy"}})
    assert fired(synced, drifted) == (Trigger.OUT_OF_SYNC,)
    assert fired(drifted, drifted) == ()
    failed = state_of(
        {
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Degraded", "message": "crashing"},
            "operationState": {"phase": "Failed", "message": "boom", "startedAt": "t1"},
        }
    )
    assert fired(drifted, failed) == (Trigger.DEGRADED, Trigger.SYNC_FAILED)
    assert failed.message == "boom"
    again = AppState(**{**failed.__dict__, "started_at": "t2"})
    assert fired(failed, again) == (Trigger.SYNC_FAILED,)


def test_messages_from_templates() -> None:
    config = parse_config(config_text("http://127.0.0.1:9"))
    event = Event(
        "app.status",
        "crashy",
        project="team-a",
        health="Degraded",
        message="Deployment web: crash loop",
        triggers=(Trigger.DEGRADED,),
        id=7,
    )
    found = messages(config, event)
    assert [(m.destination, m.body["text"]) for m in found] == [
        ("hook", "crashy is Degraded: Deployment web: crash loop"),
        ("chat", "crashy (team-a) is Degraded: Deployment web: crash loop"),
    ]
    assert found[0].body["event"]["id"] == 7
    assert set(found[1].body) == {"text"}
    # Other parts publish their events with emit; a subscription picks them up the same way.
    hub = Hub()
    got: list[Event] = []
    hub.subscribe(got.append)
    emit(
        "rollout.aborted",
        "web",
        trigger=Trigger.ROLLOUT_ABORTED,
        message="analysis",
        hub=hub,
        revision="abc",
        step="2",
    )
    assert got[0].triggers == (Trigger.ROLLOUT_ABORTED,)
    assert (got[0].revision, dict(got[0].detail)) == ("abc", {"step": "2"})


def crash_deployment() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "crash"},
            "spec": {
                "replicas": 1,
                "progressDeadlineSeconds": 2,
                "selector": {"matchLabels": {"app": "crash"}},
                "template": {
                    "metadata": {"labels": {"app": "crash"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "crash",
                                "image": "example.org/crash:1",
                                "command": [sys.executable, "-c", "import sys; sys.exit(3)"],
                            }
                        ]
                    },
                },
            },
        }
    )


@pytest.mark.anyio
async def test_out_of_sync_and_degraded_reach_a_real_receiver(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SEAWAY_CHAT_URL", f"{receiver.url}/chat")
    config = parse_config(config_text(receiver.url))
    async with live_server(tmp_path, notifications=config, apps=(("web-a", "team-a"),)) as live:
        await wait_until(lambda: receiver.received("/hook"))
        first = receiver.received("/hook")[0]
        assert first["trigger"] == "on-out-of-sync"
        assert first["event"]["app"] == "web-a"
        assert first["text"].startswith("web-a is OutOfSync with Git (revision ")
        # The receiver failed the first attempt: the message came by a retry.
        assert receiver.attempts >= 2

        live.upstream.commit({"crash/deployment.yaml": crash_deployment()})
        live.write_app(
            "crashy",
            "team-a",
            source={"repoURL": live.upstream.url, "targetRevision": "main", "path": "crash"},
            syncPolicy={"automated": {}, "syncOptions": ["CreateNamespace=true"]},
        )
        await live.wait_for("crashy", lambda s: health_of(s) == "Degraded", timeout=90)
        await wait_until(lambda: receiver.received("/chat"))
        chat = receiver.received("/chat")[0]
        assert chat == {"text": chat["text"]}
        assert chat["text"].startswith("crashy (team-a) is Degraded: ")
        hooked = [b for b in receiver.received("/hook") if b["event"]["app"] == "crashy"]
        assert "on-degraded" in [b["trigger"] for b in hooked]
        notifier = live.server.notifier
        assert notifier is not None
        assert notifier.failed == 0


async def wait_until(check: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not received in time")
