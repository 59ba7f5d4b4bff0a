"""Metric providers: where a measurement's value comes from."""

from __future__ import annotations

from dataclasses import dataclass, field

from seaway.model.analysis import Metric
from seaway.rollout.analysis.providers.base import MeasurementError, Observation, Provider
from seaway.rollout.analysis.providers.command import CommandProvider
from seaway.rollout.analysis.providers.job import JobOutcome, JobProvider, JobRunner
from seaway.rollout.analysis.providers.prometheus import PrometheusProvider
from seaway.rollout.analysis.providers.router import RouterProvider, Snapshots
from seaway.rollout.analysis.providers.sanity import SanityProvider
from seaway.rollout.analysis.providers.web import WebProvider


@dataclass
class Providers:
    """One provider per kind, chosen by each metric's `provider` key.

    `router` is None unless the caller has a local router to read; a router metric then
    measures an Error that says so, as a job metric does without a job runner.
    """

    web: Provider = field(default_factory=WebProvider)
    prometheus: Provider = field(default_factory=PrometheusProvider)
    sanity: Provider = field(default_factory=SanityProvider)
    command: Provider = field(default_factory=CommandProvider)
    job: Provider = field(default_factory=JobProvider)
    router: Provider | None = None

    def for_metric(self, metric: Metric) -> Provider:
        kind = metric.provider.kind
        provider: Provider | None = getattr(self, kind)
        if provider is None:
            raise MeasurementError(f"no {kind} provider is configured for this analysis")
        return provider


__all__ = [
    "CommandProvider",
    "JobOutcome",
    "JobProvider",
    "JobRunner",
    "MeasurementError",
    "Observation",
    "PrometheusProvider",
    "Provider",
    "Providers",
    "RouterProvider",
    "SanityProvider",
    "Snapshots",
    "WebProvider",
]
