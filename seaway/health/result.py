"""What a health check returns."""

from __future__ import annotations

from dataclasses import dataclass

from seaway.model.status import HealthStatus


@dataclass(frozen=True)
class HealthResult:
    status: HealthStatus
    message: str = ""


def healthy(message: str = "") -> HealthResult:
    return HealthResult(HealthStatus.HEALTHY, message)


def progressing(message: str = "") -> HealthResult:
    return HealthResult(HealthStatus.PROGRESSING, message)


def degraded(message: str = "") -> HealthResult:
    return HealthResult(HealthStatus.DEGRADED, message)


def suspended(message: str = "") -> HealthResult:
    return HealthResult(HealthStatus.SUSPENDED, message)


def unknown(message: str = "") -> HealthResult:
    return HealthResult(HealthStatus.UNKNOWN, message)


def missing(message: str = "Resource does not exist") -> HealthResult:
    return HealthResult(HealthStatus.MISSING, message)
