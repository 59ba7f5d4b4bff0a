"""`seaway promote/why ... --server URL`: the same commands through a Seaway server's API, so an
approval reaches the controller where it runs (in a cluster) and is checked by its RBAC as the
logged-in user, with the roles the server gives them. Output and exit codes as the direct
commands."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from seaway.cli.remote import BAD_INPUT_EXIT, Api, fail

HELD_EXIT = 3


def _pipeline_of(api: Api, app: str) -> dict[str, Any]:
    """The pipeline named `app`, or the one a stage of which deploys the app `app`."""
    names = [p["name"] for p in api.call("GET", "/api/v1/pipelines")["items"]]
    found: list[dict[str, Any]] = [
        api.call("GET", f"/api/v1/pipelines/{quote(n, safe='')}") for n in names
    ]
    for pipeline in found:
        if pipeline["name"] == app:
            return pipeline
    for pipeline in found:
        if any(app in stage["apps"] for stage in pipeline["stages"]):
            return pipeline
    listed = ", ".join(names) or "none you may see"
    why = f"no pipeline is named {app!r} or deploys an app of that name ({listed})"
    return fail(why, BAD_INPUT_EXIT)


def _holds(gate: dict[str, Any]) -> list[str]:
    return [f"  - {h['kind']}: {h['message']}" for h in gate["holds"]]


def _gate_lines(gate: dict[str, Any], target: str, mode: str) -> list[str]:
    source = gate["source"]
    if not gate["incoming"]:
        return [f"{source} has no release to promote"]
    if gate["upToDate"]:
        return [f"{target} already runs what {source} runs: {gate['incoming']}"]
    if gate["ready"]:
        return [f"{source} runs {gate['incoming']}; promotion into {target} ({mode}) may go ahead"]
    lead = f"{source} runs {gate['incoming']}; promotion into {target} ({mode}) is held by:"
    return [lead, *_holds(gate)]


def promote(server: str, token: str | None, app: str, to: str) -> tuple[int, str, str]:
    """(exit code, what to print, what to print on stderr)."""
    with Api(server, token) as api:
        name = _pipeline_of(api, app)["name"]
        path = f"/api/v1/pipelines/{quote(name, safe='')}/stages/{quote(to, safe='')}/approve"
        answer = api.call("POST", path)
    if answer["promoted"] or answer["gate"]["upToDate"] or not answer["gate"]["incoming"]:
        return 0, answer["message"], ""
    return HELD_EXIT, answer["message"], "\n".join(_gate_lines(answer["gate"], to, "manual"))


def _origin(origin: dict[str, Any] | None) -> str:
    if origin is None:
        return "  where it came from is unknown (no commit touched its folder)"
    at = origin["at"]
    if origin["promotedFrom"]:
        how = "automatically" if origin["automatic"] else f"by {origin['promotedBy']}"
        approved = f", approved by {', '.join(origin['approvers'])}" if origin["approvers"] else ""
        where = origin["pullRequest"] or f"commit {origin['commit'][:12]}"
        return f"  since {at}: promoted from {origin['promotedFrom']} {how}{approved} ({where})"
    return (
        f"  since {at}: commit {origin['commit'][:12]} by {origin['author']}: {origin['subject']}"
    )


def _stage_lines(stage: dict[str, Any]) -> list[str]:
    lines = [
        f"stage {stage['name']} ({stage['branch']}:{stage['folder']}, "
        f"promotion {stage['promotion']}):"
    ]
    if not stage["release"]:
        lines.append(f"  runs nothing Seaway can read: {stage['problem']}")
    else:
        lines.append(
            f"  runs {stage['release']} ({', '.join(stage['images'])}) at commit "
            f"{stage['revision'][:12]} of {stage['branch']}"
        )
        lines.append(_origin(stage["origin"]))
    gate = stage["gate"]
    if gate is None:
        lines.append("  releases reach it from CI (seaway image set), not by promotion")
    else:
        lines += ["  " + line for line in _gate_lines(gate, stage["name"], stage["promotion"])]
    return lines


def why(server: str, token: str | None, app: str, stage: str | None) -> list[str]:
    with Api(server, token) as api:
        pipeline = _pipeline_of(api, app)
    stages = pipeline["stages"]
    names = [s["name"] for s in stages]
    if stage is not None:
        stages = [s for s in stages if s["name"] == stage]
        if not stages:
            fail(
                f"pipeline {pipeline['name']} has no stage {stage!r} ({', '.join(names)})",
                BAD_INPUT_EXIT,
            )
    lines = [f"pipeline {pipeline['name']}: {' -> '.join(names)}"]
    for each in stages:
        lines += _stage_lines(each)
    return lines
