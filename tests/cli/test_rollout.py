"""`seaway rollout` against a real local backend's state file: commands are queued for the
controller's rollout driver, and bad input says what is wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seaway.cli.main import app
from seaway.cluster.local.backend import LocalBackend
from seaway.cluster.local.state import LocalState
from tests.rollout.local.workload import APP, NAMESPACE, canary, rollout

runner = CliRunner()


@pytest.fixture
async def data_dir(tmp_path: Path) -> AsyncIterator[Path]:
    """A data dir as the controller lays it out, holding two Rollouts of one app."""
    backend = LocalBackend(tmp_path / "local")
    await backend.start()
    try:
        await backend.apply(rollout("v1", canary({"pause": {}})))
        other = rollout("v1", canary({"pause": {}}))
        other["metadata"]["name"] = "api"
        await backend.apply(other)
    finally:
        await backend.close()
    return tmp_path


def queued(data_dir: Path, name: str) -> list[str]:
    state = LocalState(data_dir / "local" / "local.db")
    try:
        return state.take_commands(NAMESPACE, name)
    finally:
        state.close()


@pytest.mark.anyio
async def test_commands_are_queued_for_the_named_rollout(data_dir: Path) -> None:
    where = ["--data-dir", str(data_dir), "--rollout", "web"]
    for args in (
        ["promote", APP, *where],
        ["promote", APP, *where, "--promote-full"],
        ["abort", APP, *where],
        ["pause", APP, *where],
        ["resume", APP, *where],
        ["retry", APP, *where],
    ):
        result = runner.invoke(app, ["rollout", *args])
        assert result.exit_code == 0, result.output
        assert f"Rollout {NAMESPACE}/web" in result.output
    assert queued(data_dir, "web") == [
        "promote",
        "promote-full",
        "abort",
        "pause",
        "resume",
        "retry",
    ]
    assert queued(data_dir, "api") == []


@pytest.mark.anyio
async def test_an_app_with_two_rollouts_needs_one_named(data_dir: Path) -> None:
    result = runner.invoke(app, ["rollout", "promote", APP, "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "2 Rollouts (api, web)" in result.output
    assert "--rollout" in result.output
    assert queued(data_dir, "web") == []


@pytest.mark.anyio
async def test_unknown_app_and_missing_state_are_reported(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["rollout", "abort", "nope", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "application 'nope' has no Rollouts" in result.output
    result = runner.invoke(app, ["rollout", "status", APP, "--data-dir", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "no local backend state" in result.output
