"""`seaway app ... --server URL`: the same commands through a Seaway server's HTTP API, with
the server's access control; output as in the direct commands."""

from __future__ import annotations

import json
import time
from typing import Any

import typer
import yaml
from rich.table import Table
from rich.text import Text

from seaway.cli.kube import err, out
from seaway.cli.remote import FAILED_EXIT, Api

_COLORS = {
    "Synced": "green",
    "Healthy": "green",
    "Succeeded": "green",
    "OutOfSync": "yellow",
    "Missing": "yellow",
    "Progressing": "cyan",
    "Running": "cyan",
    "Suspended": "blue",
    "Degraded": "red",
    "Failed": "red",
    "Error": "red",
}
_FINAL = frozenset({"Succeeded", "Failed", "Error"})


def _badge(word: str) -> Text:
    return Text(word or "-", style=_COLORS.get(word, ""))


def _dump(data: Any, output: str) -> None:
    if output == "json":
        out.print_json(json.dumps(data))
    else:
        out.print(yaml.safe_dump(data, sort_keys=False), end="", markup=False, highlight=False)


def list_apps(server: str, token: str | None, output: str) -> None:
    with Api(server, token) as api:
        items = api.call("GET", "/api/v1/applications")["items"]
    if output != "table":
        _dump(items, output)
        return
    table = Table("NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "CONDITIONS")
    for item in items:
        table.add_row(
            Text(item["name"]),
            Text(item["project"]),
            _badge(item["sync"]),
            _badge(item["health"]),
            item["revision"][:12],
            Text(", ".join(item["conditions"]) or ("InvalidSpec" if not item["valid"] else "")),
        )
    out.print(table)


def get(server: str, token: str | None, name: str, output: str) -> None:
    with Api(server, token) as api:
        got = api.call("GET", f"/api/v1/applications/{name}")
    if output != "table":
        _dump(got["object"], output)
        return
    summary = got["summary"]
    status = got["object"].get("status") or {}
    line = Text.assemble(
        (name, "bold"), "  sync ", _badge(summary["sync"]), "  health ", _badge(summary["health"])
    )
    out.print(Text.assemble(line, " ", summary["healthMessage"]))
    out.print(Text(f"revision {summary['revision'] or '-'}"))
    for cond in status.get("conditions") or []:
        out.print(Text(f"{cond.get('type')}: {cond.get('message')}", style="yellow"))
    op = status.get("operationState") or {}
    if op:
        phase = _badge(op.get("phase", ""))
        out.print(Text.assemble("last operation ", phase, f": {op.get('message', '')}"))
    table = Table("KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "NOTE")
    for res in status.get("resources") or []:
        table.add_row(
            Text(res.get("kind", "")),
            Text(res.get("namespace", "")),
            Text(res.get("name", "")),
            _badge(res.get("status", "")),
            _badge((res.get("health") or {}).get("status", "")),
            "requires pruning" if res.get("requiresPruning") else "",
        )
    out.print(table)


def diff(server: str, token: str | None, name: str, revision: str | None) -> None:
    path = f"/api/v1/applications/{name}/diff"
    with Api(server, token) as api:
        got = api.call("GET", path + (f"?revision={revision}" if revision else ""))
    for res in got["resources"]:
        out.print(res["diff"], highlight=False, markup=False)
    raise typer.Exit(0 if got["inSync"] else 1)


def history(server: str, token: str | None, name: str) -> None:
    with Api(server, token) as api:
        items = api.call("GET", f"/api/v1/applications/{name}/history")["items"]
    table = Table("ID", "DEPLOYED AT", "REVISION")
    for entry in items:
        table.add_row(str(entry["id"]), entry["deployedAt"], entry["revision"])
    out.print(table)


def refresh(server: str, token: str | None, name: str) -> None:
    with Api(server, token) as api:
        api.call("POST", f"/api/v1/applications/{name}/refresh")
    out.print(f"refresh of {name} requested")


def sync(
    server: str, token: str | None, name: str, body: dict[str, Any], wait: float | None
) -> None:
    """Ask for a sync (or, with an `id` in `body`, a rollback); with `wait`, follow it."""
    action = "rollback" if "id" in body else "sync"
    with Api(server, token) as api:
        before = _operation(api, name).get("startedAt")
        api.call("POST", f"/api/v1/applications/{name}/{action}", body)
        if wait is None:
            out.print(f"{action} of {name} requested")
            return
        result = _await_operation(api, name, before, wait)
    phase = str(result.get("phase", ""))
    out.print(Text.assemble(f"{action} ", _badge(phase), f": {result.get('message', '')}"))
    for res in (result.get("syncResult") or {}).get("resources") or []:
        what = f"{res.get('kind')} {res.get('name')}"
        out.print(Text(f"  {what}: {res.get('status')} {res.get('message', '')}"))
    raise typer.Exit(0 if phase == "Succeeded" else FAILED_EXIT)


def _operation(api: Api, name: str) -> dict[str, Any]:
    got = api.call("GET", f"/api/v1/applications/{name}")
    return dict((got["object"].get("status") or {}).get("operationState") or {})


def _await_operation(api: Api, name: str, before: str | None, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with err.status(f"waiting for the server to run the operation on {name}"):
        while time.monotonic() < deadline:
            op = _operation(api, name)
            if op.get("startedAt") != before and op.get("phase") in _FINAL:
                return op
            time.sleep(0.5)
    err.print(Text(f"the operation did not finish within {timeout:g} s", style="red"))
    raise typer.Exit(FAILED_EXIT)
