"""Argo Rollouts' prometheus metric: an instant query against Prometheus' HTTP API.

A scalar answer is a number; a vector answer is the list of its samples' numbers (so
conditions read `result[0]`), as Argo Rollouts gives them. Other result types are an error.
"""

from __future__ import annotations

import math
from typing import Any

import httpx2

from seaway.model.analysis import Metric
from seaway.rollout.analysis.providers.base import MeasurementError, Observation


class PrometheusProvider:
    def __init__(self, default_address: str = "") -> None:
        # Used by metrics that name no address, like Argo Rollouts' configured default.
        self.default_address = default_address

    def begin(self, metric: Metric) -> None:
        pass

    async def measure(self, metric: Metric) -> Observation:
        spec = metric.provider.prometheus
        if spec is None:
            raise MeasurementError(f"metric {metric.name!r} has no prometheus provider")
        address = (spec.address or self.default_address).rstrip("/")
        if not address:
            raise MeasurementError("no Prometheus address: set provider.prometheus.address")
        url = f"{address}/api/v1/query"
        headers = {header.key: header.value for header in spec.headers}
        try:
            async with httpx2.AsyncClient(timeout=spec.timeout_seconds) as client:
                response = await client.get(url, params={"query": spec.query}, headers=headers)
        except httpx2.TimeoutException:
            raise MeasurementError(
                f"Prometheus at {address}: no answer within {spec.timeout_seconds:g}s"
            ) from None
        except httpx2.HTTPError as error:
            raise MeasurementError(f"Prometheus at {address}: {error}") from None
        try:
            answer = response.json()
        except ValueError:
            raise MeasurementError(
                f"Prometheus at {address} answered {response.status_code} without JSON"
            ) from None
        return read_answer(answer, response.status_code)


def read_answer(answer: Any, status: int = 200) -> Observation:
    if not isinstance(answer, dict):
        raise MeasurementError("Prometheus' answer is not a JSON object")
    if answer.get("status") != "success":
        reason = answer.get("error") or f"status {answer.get('status')!r}"
        raise MeasurementError(f"Prometheus query failed ({status}): {reason}")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise MeasurementError("Prometheus' answer has no data")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        value = _sample_value(result)
        return Observation(value, _format(value))
    if kind == "vector":
        if not isinstance(result, list):
            raise MeasurementError("Prometheus' vector result is not a list")
        values = [
            _sample_value(sample.get("value") if isinstance(sample, dict) else None)
            for sample in result
        ]
        return Observation(values, "[" + ",".join(_format(v) for v in values) + "]")
    raise MeasurementError(f"Prometheus result type {kind!r} is not supported (scalar or vector)")


def _sample_value(pair: Any) -> float:
    # Prometheus sends [unix time, "value"], the value as a string so NaN and Inf survive JSON.
    if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
        raise MeasurementError(f'Prometheus sample {pair!r} is not [time, "value"]')
    try:
        return float(pair[1])
    except ValueError:
        raise MeasurementError(f"Prometheus sample value {pair[1]!r} is not a number") from None


def _format(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
