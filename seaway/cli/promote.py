"""`seaway promote APP --to STAGE`: a person approves the release waiting at a stage's gate
and, when the gate's policy is met, promotes it (one commit, or a pull request).

Exit codes: 0 promoted (or nothing to promote), 1 Git or the API failed, 2 bad input, 3 the
approval is recorded but something still holds the promotion (said on stderr).
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from seaway.api.auth.rbac import Enforcer, PolicyError, parse_policy
from seaway.cli import pipeline_remote
from seaway.cli.kube import DEFAULT_NAMESPACE, Context, Kubeconfig, Namespace, err, run
from seaway.cli.pipeline import (
    PIPELINE_ENV,
    Backend,
    BackendOption,
    DataDirOption,
    PipelineOption,
    RepoCacheOption,
    World,
    fail,
    gate_lines,
    open_world,
)
from seaway.cli.remote import Server, Token
from seaway.controller.promotion import ManualOutcome, approve_and_promote
from seaway.controller.stages import PipelineError
from seaway.model.pipeline import Stage
from seaway.promote.gate import Approver
from seaway.promote.writeback import BadInputError, WriteBackError
from seaway.source import SourceError

USER_ENV = "SEAWAY_USER"
POLICY_ENV = "SEAWAY_POLICY"
HELD_EXIT = 3

out = Console(highlight=False, soft_wrap=True, markup=False)


def _user(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise fail(f"say who approves: --as NAME or {USER_ENV}", 2) from None


def roles_of(enforcer_policy: str, source: str, user: str, groups: list[str]) -> tuple[str, ...]:
    """The roles `user` holds through the policy's `g` lines, directly or through groups."""
    policy = parse_policy(enforcer_policy, source)
    members: dict[str, list[str]] = {}
    for grant in policy.grants:
        members.setdefault(grant.member, []).append(grant.role)
    seen: set[str] = set()
    pending = [user, *groups]
    while pending:
        name = pending.pop()
        for role in members.get(name, []):
            if role not in seen:
                seen.add(role)
                pending.append(role)
    return tuple(sorted(seen))


def _policy(path: Path | None) -> tuple[str, str]:
    if path is None:
        return "", "policy.csv"
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise fail(f"{path}: cannot read: {exc.strerror or exc}", 2) from exc


async def _project_of(world: World, stage: Stage) -> str:
    for name in stage.apps:
        stored = await world.reader.apps.app(name)
        if stored is not None and stored.app is not None:
            return stored.app.spec.project_name or "default"
    return "default"


@dataclass(frozen=True)
class Rights:
    approve: bool
    promote: bool
    why: str = ""


async def _rights(world: World, stage: Stage, user: str, groups: list[str], policy: str) -> Rights:
    """What the user may do at this gate (no policy given: anything). A deployer may promote
    what others approved, but not approve it themselves."""
    if not policy:
        return Rights(approve=True, promote=True)
    project = await _project_of(world, stage)
    obj = f"{project}/{world.loaded.pipeline.name}"
    enforcer = Enforcer(parse_policy(policy))
    approve = enforcer.enforce(user, groups, "promotions", "approve", obj)
    promote = enforcer.enforce(user, groups, "promotions", "promote", obj)
    return Rights(approve.allowed, promote.allowed, approve.explain())


def _report(outcome: ManualOutcome, user: str, rights: Rights) -> int:
    rep = outcome.report
    release = rep.source_release.release
    if outcome.promotion is not None:
        record = outcome.promotion
        where = record.pull_request or f"commit {(record.commit or '')[:12]}"
        approvers = ", ".join(record.approvers) or user
        out.print(
            f"promoted {rep.loaded.pipeline.name} {record.label} {rep.source.name} -> "
            f"{rep.target.name}: {where} (approved by {approvers})"
        )
        return 0
    if release is None or rep.verdict.up_to_date:
        out.print("\n".join(gate_lines(rep)) + "; nothing to do")
        return 0
    if not rights.approve:
        out.print(f"{user} may promote but not approve: no approval recorded ({rights.why})")
    elif outcome.approved:
        out.print(f"approval by {user} of {release.label} into {rep.target.name} recorded")
    else:
        out.print(f"{user} had already approved {release.label} into {rep.target.name}")
    err.print("\n".join(gate_lines(rep)), highlight=False, markup=False)
    return HELD_EXIT


def _remote(server: str, token: str | None, app: str, to: str) -> None:
    code, said, held = pipeline_remote.promote(server, token, app, to)
    out.print(said)
    if held:
        err.print(held, highlight=False, markup=False)
    if code:
        raise typer.Exit(code)


def promote_command(
    app: Annotated[str, typer.Argument(help="The pipeline, or an app one of its stages deploys.")],
    to: Annotated[str, typer.Option("--to", help="The stage to promote into.")],
    pipeline: PipelineOption = "",
    as_user: Annotated[
        str | None,
        typer.Option("--as", envvar=USER_ENV, help="Who approves (default: the login name)."),
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="A group the approver is in.")
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(envvar=POLICY_ENV, help="policy.csv: the approver's roles and rights."),
    ] = None,
    backend: BackendOption = Backend.LOCAL,
    data_dir: DataDirOption = None,
    repo_cache: RepoCacheOption = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = DEFAULT_NAMESPACE,
    server: Server = None,
    token: Token = None,
) -> None:
    """Approve the release waiting at a stage and promote it once its policy is met.

    The approval is recorded as --as (or SEAWAY_USER) with the roles policy.csv gives them;
    the promotion is a commit to the stage's branch (or a pull request), with the approvers
    as trailers. Sync windows, health, analysis and soak time hold it as they hold automation.
    With --server the server's controller does it, as the logged-in user with their roles.
    """
    if server:
        _remote(server, token, app, to)
        return
    if not pipeline:
        raise fail(f"say where the pipeline is: --pipeline REPO or {PIPELINE_ENV}", 2)
    user = _user(as_user)
    groups = list(group or [])
    text, source = _policy(policy)
    try:
        roles = roles_of(text, source, user, groups)
    except PolicyError as exc:
        raise fail("\n".join(exc.lines()), 2) from exc

    async def go() -> int:
        async with open_world(
            app, pipeline, backend, data_dir, repo_cache, (kubeconfig, context, namespace)
        ) as world:
            target = world.loaded.pipeline.stage(to)
            if target is None:
                names = ", ".join(s.name for s in world.loaded.pipeline.stages)
                raise fail(
                    f"pipeline {world.loaded.pipeline.name} has no stage {to!r} ({names})", 2
                )
            rights = await _rights(world, target, user, groups, text)
            if not rights.approve and not rights.promote:
                raise fail(f"{user} may not approve promotions into {to}: {rights.why}", 2)
            now = dt.datetime.now(dt.UTC)
            approver = Approver(user, roles, now) if rights.approve else None
            outcome = await approve_and_promote(
                world.promoter, world.loaded, target, approver, by=user, now=now
            )
            return _report(outcome, user, rights)

    try:
        code = run(go())
    except (PipelineError, BadInputError) as exc:
        raise fail(str(exc), 2) from exc
    except (WriteBackError, SourceError) as exc:
        raise fail(str(exc), 1) from exc
    if code:
        raise typer.Exit(code)
