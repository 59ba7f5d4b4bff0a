"""A small async REST client for the Kubernetes API that keeps objects as plain dicts.

lightkube's typed models drop fields they do not know, and a GitOps engine must neither lose a
field the user wrote nor miss drift in one the server returns; so objects travel as JSON dicts,
while lightkube supplies what it does well: reading kubeconfigs (certificates, tokens, exec
plugins, in-cluster service accounts) into a configured HTTP client.
"""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
from lightkube.config import client_adapter
from lightkube.config.kubeconfig import KubeConfig

FIELD_MANAGER = "seaway"
RETRIES_ON_429 = 20


class KubeError(RuntimeError):
    """An error answer of the API server, with its HTTP status and reason."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{reason or status}: {message}")


class UnknownKind(KubeError):
    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(
            404,
            "NotFound",
            f"the server has no resource type {kind} in {api_version} "
            "(is its CustomResourceDefinition installed?)",
        )


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name:
            base += f"/{quote(name, safe='')}"
        return base


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class KubeRest:
    """Raw JSON access to one API server, with cached discovery."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._by_gv: dict[str, dict[str, ApiResource]] = {}
        self._preferred: dict[str, str] | None = None
        self._discovery_lock = asyncio.Lock()

    @classmethod
    def from_kubeconfig(cls, path: Path | None = None, context: str | None = None) -> KubeRest:
        config = KubeConfig.from_file(path) if path else KubeConfig.from_env()
        single = config.get(context_name=context)
        if single is None:
            raise KubeError(0, "Config", f"no context {context!r} in the kubeconfig")
        params = client_adapter.ConnectionParams(timeout=httpx.Timeout(30))
        return cls(client_adapter.AsyncClient(single, params))

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> KubeRest:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- HTTP --------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        content = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = content_type
        for attempt in range(RETRIES_ON_429 + 1):
            resp = await self._http.request(
                method, path, content=content, params=dict(params or {}), headers=headers
            )
            # 429 is the API server asking to come back later (priority and fairness, or a
            # resource's storage still initializing right after its CRD was established).
            if resp.status_code != 429 or attempt == RETRIES_ON_429:
                break
            await asyncio.sleep(_retry_after(resp))
        if resp.status_code >= 400:
            raise _error(resp)
        return resp.json() if resp.content else {}

    # -- discovery ---------------------------------------------------------------------------

    async def resources(self, api_version: str) -> dict[str, ApiResource]:
        """The resource types of one group/version, by kind; {} if the server has none."""
        if api_version in self._by_gv:
            return self._by_gv[api_version]
        async with self._discovery_lock:
            if api_version in self._by_gv:
                return self._by_gv[api_version]
            group, version = split_api_version(api_version)
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                listing = await self.request("GET", path)
            except KubeError as exc:
                if exc.status != 404:
                    raise
                listing = {"resources": []}
            found = {}
            for item in listing.get("resources", []):
                if "/" in item["name"]:
                    continue  # subresources such as deployments/status
                found[item["kind"]] = ApiResource(
                    group=group,
                    version=version,
                    kind=item["kind"],
                    plural=item["name"],
                    namespaced=bool(item.get("namespaced")),
                    verbs=frozenset(item.get("verbs", [])),
                )
            self._by_gv[api_version] = found
            return found

    async def preferred_version(self, group: str) -> str | None:
        if self._preferred is None:
            core = await self.request("GET", "/api")
            preferred = {"": core.get("versions", ["v1"])[0]}
            groups = await self.request("GET", "/apis")
            for entry in groups.get("groups", []):
                preferred[entry["name"]] = entry["preferredVersion"]["groupVersion"]
            self._preferred = preferred
        return self._preferred.get(group)

    def forget_discovery(self) -> None:
        """Drop cached discovery, e.g. after a CustomResourceDefinition was installed."""
        self._by_gv.clear()
        self._preferred = None

    async def resource(self, api_version: str, kind: str) -> ApiResource:
        found = (await self.resources(api_version)).get(kind)
        if found is None:
            # A CRD applied moments ago is not in the cached discovery yet.
            self._by_gv.pop(api_version, None)
            found = (await self.resources(api_version)).get(kind)
        if found is None:
            raise UnknownKind(api_version, kind)
        return found

    async def resource_for_group(self, group: str, kind: str) -> ApiResource:
        version = await self.preferred_version(group)
        if version is None:
            self._preferred = None
            version = await self.preferred_version(group)
        if version is None:
            raise UnknownKind(group or "v1", kind)
        return await self.resource(version, kind)

    # -- objects -----------------------------------------------------------------------------

    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        res = await self.resource(api_version, kind)
        try:
            obj: dict[str, Any] = await self.request("GET", res.path(namespace, name))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return obj

    async def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        items, _ = await self.list_with_version(api_version, kind, namespace, label_selector)
        return items

    async def list_with_version(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> tuple[builtins.list[dict[str, Any]], str]:
        """The objects and the list's resourceVersion, from which a watch continues."""
        res = await self.resource(api_version, kind)
        params = {"labelSelector": label_selector} if label_selector else {}
        listing = await self.request("GET", res.path(namespace), params=params)
        items: builtins.list[dict[str, Any]] = listing.get("items", [])
        # List items come without apiVersion and kind; callers want whole objects.
        for item in items:
            item.setdefault("apiVersion", res.api_version)
            item.setdefault("kind", kind)
        return items, str((listing.get("metadata") or {}).get("resourceVersion", ""))

    async def apply(
        self,
        obj: Mapping[str, Any],
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = FIELD_MANAGER,
    ) -> dict[str, Any]:
        """Server-side apply: Seaway owns the fields it sends and no others."""
        res = await self.resource(str(obj["apiVersion"]), str(obj["kind"]))
        meta = obj.get("metadata", {})
        namespace = meta.get("namespace") if res.namespaced else None
        if res.namespaced and not namespace:
            raise KubeError(
                422, "Invalid", f"{obj['kind']} {meta.get('name')} is namespaced: no namespace"
            )
        params = {"fieldManager": field_manager, "force": "true" if force else "false"}
        if dry_run:
            params["dryRun"] = "All"
        out: dict[str, Any] = await self.request(
            "PATCH",
            res.path(namespace, str(meta.get("name"))),
            body=obj,
            params=params,
            content_type="application/apply-patch+yaml",
        )
        return out

    async def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        body: Mapping[str, Any],
        *,
        subresource: str = "",
        merge: bool = True,
    ) -> dict[str, Any]:
        """A JSON merge patch (or, with merge=False, a server-side apply as Seaway) of an object
        or of a subresource such as status."""
        res = await self.resource(api_version, kind)
        path = res.path(namespace, name) + (f"/{subresource}" if subresource else "")
        if merge:
            out: dict[str, Any] = await self.request(
                "PATCH", path, body=body, content_type="application/merge-patch+json"
            )
        else:
            out = await self.request(
                "PATCH",
                path,
                body=body,
                params={"fieldManager": FIELD_MANAGER, "force": "true"},
                content_type="application/apply-patch+yaml",
            )
        return out

    async def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        propagation: str = "Foreground",
    ) -> bool:
        """Delete an object; False if it was already gone."""
        res = await self.resource(api_version, kind)
        try:
            await self.request(
                "DELETE",
                res.path(namespace, name),
                body={
                    "kind": "DeleteOptions",
                    "apiVersion": "v1",
                    "propagationPolicy": propagation,
                },
            )
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def watch(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int = 300,
        bookmarks: bool = False,
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Yield (type, object) watch events until the server closes the stream."""
        res = await self.resource(api_version, kind)
        params = {"watch": "true", "timeoutSeconds": str(timeout_seconds)}
        if bookmarks:
            params["allowWatchBookmarks"] = "true"
        if label_selector:
            params["labelSelector"] = label_selector
        if resource_version:
            params["resourceVersion"] = resource_version
        timeout = httpx.Timeout(10, read=timeout_seconds + 30)
        async with self._http.stream(
            "GET", res.path(namespace), params=params, timeout=timeout
        ) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise _error(resp)
            async for line in resp.aiter_lines():
                if not line.strip():
                    continue
                event = json.loads(line)
                yield str(event.get("type", "")), dict(event.get("object", {}))


def _retry_after(resp: httpx.Response) -> float:
    try:
        return min(max(float(resp.headers.get("Retry-After", "0.2")), 0.05), 1.0)
    except ValueError:
        return 0.2


def _error(resp: httpx.Response) -> KubeError:
    try:
        status = resp.json()
        return KubeError(resp.status_code, status.get("reason", ""), status.get("message", ""))
    except ValueError:
        return KubeError(resp.status_code, resp.reason_phrase, resp.text[:500])
