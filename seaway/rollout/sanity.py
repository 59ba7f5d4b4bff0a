"""Seaway's built-in sanity check: a list of HTTP requests with expectations, run in order
against a service. Together they say that the server is up, that key endpoints answer with the
expected status codes, and that a create-read-update-delete round trip works.

`{id}` in a later request's path is the `id` field of the JSON an earlier request returned, so a
CRUD round trip reads what it created.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    expect_status: int
    body: Any = None
    # Field values the JSON answer must have, e.g. {"version": "v2"}.
    expect_json: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    request: Request
    status: int | None
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    @property
    def passed(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def first_failure(self) -> Outcome | None:
        return next((o for o in self.outcomes if not o.ok), None)


def standard_checks(version: str | None = None) -> tuple[Request, ...]:
    """Up, key endpoints, CRUD round trip: the checks the seed story names."""
    version_check = {"version": version} if version else {}
    return (
        Request("GET", "/healthz", 200),
        Request("GET", "/version", 200, expect_json=version_check),
        Request("GET", "/items", 200),
        Request("POST", "/items", 201, body={"name": "sanity"}, expect_json={"name": "sanity"}),
        Request("GET", "/items/{id}", 200, expect_json={"name": "sanity"}),
        Request("PUT", "/items/{id}", 200, body={"name": "checked"}),
        Request("DELETE", "/items/{id}", 204),
        Request("GET", "/items/{id}", 404),
    )


def run(base_url: str, requests: Sequence[Request], timeout: float = 5.0) -> Report:
    """Run the requests in order (blocking); stops at the first failure."""
    outcomes: list[Outcome] = []
    remembered: dict[str, str] = {}
    for request in requests:
        outcome = _one(base_url, request, remembered, timeout)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return Report(tuple(outcomes))


def _one(base: str, request: Request, remembered: dict[str, str], timeout: float) -> Outcome:
    path = request.path
    for name, value in remembered.items():
        path = path.replace("{" + name + "}", value)
    data = None if request.body is None else json.dumps(request.body).encode()
    req = urllib.request.Request(  # noqa: S310 - the URL is a service on this host
        base.rstrip("/") + path,
        data=data,
        method=request.method,
        headers={"Content-Type": "application/json"} if data else {},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        return Outcome(request, None, False, f"no answer: {exc}", time.monotonic() - started)
    seconds = time.monotonic() - started
    label = f"{request.method} {path}"
    if status != request.expect_status:
        return Outcome(
            request, status, False, f"{label}: {status}, expected {request.expect_status}", seconds
        )
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "id" in answer:
        remembered["id"] = str(answer["id"])
    for key, wanted in request.expect_json.items():
        got = answer.get(key) if isinstance(answer, dict) else None
        if got != wanted:
            return Outcome(
                request, status, False, f"{label}: {key} is {got!r}, expected {wanted!r}", seconds
            )
    return Outcome(request, status, True, f"{label}: {status}", seconds)
