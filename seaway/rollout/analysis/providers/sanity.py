"""Seaway's sanity metric: the built-in sanity check (seaway.rollout.sanity) as a measurement.

The check passing is a Successful measurement, a failed request a Failed one; no answer at all
is a Failed one too, because an unreachable service is exactly what the check is for.
"""

from __future__ import annotations

import asyncio

from seaway.model.analysis import Metric
from seaway.rollout import sanity
from seaway.rollout.analysis.conditions import Phase
from seaway.rollout.analysis.providers.base import MeasurementError, Observation


class SanityProvider:
    def begin(self, metric: Metric) -> None:
        pass

    async def measure(self, metric: Metric) -> Observation:
        spec = metric.provider.sanity
        if spec is None:
            raise MeasurementError(f"metric {metric.name!r} has no sanity provider")
        requests = tuple(
            sanity.Request(r.method, r.path, r.expect_status, r.body, dict(r.expect_json))
            for r in spec.requests
        ) or sanity.standard_checks(spec.version)
        # The check is blocking urllib; a thread keeps the event loop free meanwhile.
        report = await asyncio.to_thread(sanity.run, spec.url, requests, spec.timeout_seconds)
        passed = sum(1 for outcome in report.outcomes if outcome.ok)
        text = f"{passed}/{len(requests)}"
        failure = report.first_failure
        if failure is None and len(report.outcomes) == len(requests):
            return Observation(True, text, Phase.SUCCESSFUL, f"{passed} checks passed")
        detail = failure.detail if failure is not None else "not every check ran"
        return Observation(False, text, Phase.FAILED, detail)
