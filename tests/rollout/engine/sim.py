"""Drives the pure engine through a rollout, one decision at a time.

The engine does no I/O: its input is an observation (what a target reports) and its output a
decision. `Sim` plays the target's part with plain data: it scales each hash as the last
decision asked (new replicas ready at once, or only when the test says so), reports the
analysis outcomes the test sets, and moves a clock the test controls. Every decision is also
checked for the engine's two promises: deciding again on the same observation changes nothing
and emits nothing, and deciding from the status as written (`status_to_dict` then
`status_from_dict`) gives the same decision as from the status in memory.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from seaway.health import assess
from seaway.health.result import HealthResult
from seaway.model.loading import ROLLOUT_KINDS, load_documents
from seaway.model.rollout import Rollout
from seaway.rollout.engine import decide, pod_template_hash, status_from_dict, status_to_dict
from seaway.rollout.engine.types import (
    AnalysisOutcome,
    AnalysisPhase,
    Command,
    Decision,
    Event,
    Observation,
    ReplicaSetState,
    RolloutStatus,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def load(text: str) -> Rollout:
    [rollout] = load_documents(text, "rollout.yaml", kinds=ROLLOUT_KINDS)
    assert isinstance(rollout, Rollout)
    return rollout


class Sim:
    def __init__(self, manifest: str, *, auto_ready: bool = True) -> None:
        self.body: dict[str, Any] = yaml.safe_load(manifest)
        self.body.setdefault("metadata", {})["generation"] = 1
        self.rollout = load(yaml.safe_dump(self.body))
        self.status: RolloutStatus | None = None
        self.now = START
        self.sets: dict[str, ReplicaSetState] = {}
        self.analyses: dict[str, AnalysisOutcome] = {}
        self.auto_ready = auto_ready
        self.events: list[Event] = []
        self.last: Decision | None = None

    # -- the world ------------------------------------------------------------------------

    @property
    def template_hash(self) -> str:
        return pod_template_hash(self.body["spec"]["template"])

    def set_image(self, image: str) -> str:
        """A new template (the image of the first container): its hash."""
        body = copy.deepcopy(self.body)
        body["spec"]["template"]["spec"]["containers"][0]["image"] = image
        body["metadata"]["generation"] += 1
        self.body = body
        self.rollout = load(yaml.safe_dump(body))
        return self.template_hash

    def edit(self, path: Sequence[str], value: object) -> None:
        """Change a spec field (a new generation, same template)."""
        body = copy.deepcopy(self.body)
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        body["metadata"]["generation"] += 1
        self.body = body
        self.rollout = load(yaml.safe_dump(body))

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def ready(self, pod_hash: str, count: int | None = None) -> None:
        """Make `count` (default: all) of a hash's replicas ready."""
        state = self.sets[pod_hash]
        wanted = state.replicas if count is None else count
        self.sets[pod_hash] = ReplicaSetState(pod_hash, state.replicas, wanted)

    def outcome(
        self, name: str, phase: AnalysisPhase, *, metric: str = "", value: str = ""
    ) -> None:
        self.analyses[name] = AnalysisOutcome(name, phase, "", metric, value)

    def _apply(self, decision: Decision) -> None:
        scale = decision.desired.scale
        for pod_hash in set(self.sets) | set(scale):
            wanted = scale.get(pod_hash, 0)
            old = self.sets.get(pod_hash, ReplicaSetState(pod_hash, 0, 0))
            ready = wanted if self.auto_ready else min(old.ready, wanted)
            self.sets[pod_hash] = ReplicaSetState(pod_hash, wanted, ready)
        # A run the engine no longer asks for is stopped: its outcome is no longer reported.
        asked = {request.name for request in decision.desired.analyses}
        self.analyses = {n: o for n, o in self.analyses.items() if n in asked}
        for name in asked:
            self.analyses.setdefault(name, AnalysisOutcome(name, AnalysisPhase.RUNNING))

    # -- deciding -------------------------------------------------------------------------

    def observation(self) -> Observation:
        return Observation(self.now, self.template_hash, dict(self.sets), dict(self.analyses))

    def step(self, *commands: Command, apply: bool = True) -> Decision:
        observed = self.observation()
        decision = decide(self.rollout, self.status, observed, commands)
        self._check_promises(observed, commands, decision)
        self.status = decision.status
        self.events.extend(decision.events)
        self.last = decision
        if apply:
            self._apply(decision)
        return decision

    def settle(self, *commands: Command, limit: int = 20) -> Decision:
        """Decide (and carry out) until a decision changes nothing more."""
        decision = self.step(*commands)
        for _ in range(limit):
            before = (self.status, dict(self.sets))
            decision = self.step()
            if (self.status, dict(self.sets)) == before and not decision.events:
                return decision
        raise AssertionError(f"no steady state after {limit} decisions: {self.status}")

    def _check_promises(
        self, observed: Observation, commands: Sequence[Command], decision: Decision
    ) -> None:
        again = decide(self.rollout, decision.status, observed, ())
        assert again.status == decision.status
        assert again.desired == decision.desired
        assert again.events == ()
        if self.status is not None:
            written = status_to_dict(self.status)
            assert status_from_dict(written) == self.status
            resumed = decide(self.rollout, status_from_dict(written), observed, commands)
            assert resumed == decision

    # -- what people see ------------------------------------------------------------------

    def written(self) -> dict[str, Any]:
        assert self.status is not None
        return status_to_dict(self.status)

    def health(self) -> HealthResult:
        obj: Mapping[str, Any] = {**self.body, "status": self.written()}
        result = assess(obj)
        assert result is not None
        return result

    def reasons(self) -> list[str]:
        return [event.reason for event in self.events]

    def take_events(self) -> list[str]:
        reasons = self.reasons()
        self.events.clear()
        return reasons
