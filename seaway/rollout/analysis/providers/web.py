"""Argo Rollouts' web metric: an HTTP request whose JSON answer (or a JSONPath into it) is the
measured value."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from seaway.model.analysis import Metric, WebMetric
from seaway.rollout.analysis.jsonpath import JsonPathError, find, parse_jsonpath
from seaway.rollout.analysis.providers.base import MeasurementError, Observation


class WebProvider:
    def begin(self, metric: Metric) -> None:
        pass

    async def measure(self, metric: Metric) -> Observation:
        web = metric.provider.web
        if web is None:
            raise MeasurementError(f"metric {metric.name!r} has no web provider")
        body = await fetch_json(web)
        path = web.json_path or "{$}"
        try:
            value = find(parse_jsonpath(path), body)
        except JsonPathError as error:
            raise MeasurementError(f"could not find JSONPath in the answer: {error}") from None
        return Observation(value, json.dumps(value))


async def fetch_json(web: WebMetric) -> Any:
    headers = {header.key: header.value for header in web.headers}
    content = web.body.encode() if web.body else None
    if web.json_body is not None:
        content = json.dumps(web.json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    try:
        async with httpx2.AsyncClient(timeout=web.timeout, verify=not web.insecure) as client:
            response = await client.request(web.method, web.url, headers=headers, content=content)
    except httpx2.TimeoutException:
        raise MeasurementError(
            f"{web.method} {web.url}: no answer within {web.timeout:g}s"
        ) from None
    except httpx2.HTTPError as error:
        raise MeasurementError(f"{web.method} {web.url}: {error}") from None
    if not 200 <= response.status_code < 300:
        raise MeasurementError(
            f"{web.method} {web.url}: received non 2xx response code {response.status_code}"
        )
    try:
        return response.json()
    except ValueError as error:
        raise MeasurementError(f"{web.method} {web.url}: the answer is not JSON: {error}") from None
