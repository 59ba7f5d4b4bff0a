"""The OCI distribution API over httpx: manifests, blobs, tags, with Basic and Bearer auth.

Plain HTTP is used only for registries the caller names as insecure (a test registry on
127.0.0.1); every other registry is HTTPS with certificates checked. Bearer tokens are fetched
on the registry's challenge and kept per repository and scope for the client's lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import httpx2

from seaway.registry.auth import Credentials, credentials_for, load_docker_config, parse_challenge
from seaway.registry.errors import RegistryError
from seaway.registry.reference import Reference

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
_INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
_MAX_TAG_PAGES = 100
_UNAUTHORIZED = 401


@dataclass(frozen=True)
class Manifest:
    data: bytes
    media_type: str
    digest: str

    def document(self) -> dict[str, Any]:
        value = json.loads(self.data)
        return value if isinstance(value, dict) else {}

    @property
    def is_index(self) -> bool:
        return self.media_type in _INDEX_TYPES


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class RegistryClient:
    def __init__(
        self,
        *,
        insecure: Collection[str] = (),
        credentials: Mapping[str, Credentials] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.insecure = frozenset(insecure)
        self._credentials = load_docker_config() if credentials is None else dict(credentials)
        self._http = httpx2.Client(timeout=timeout, follow_redirects=True)
        self._tokens: dict[tuple[str, str], str] = {}

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- reading ------------------------------------------------------------------------------

    def resolve(self, ref: Reference) -> str:
        """The digest a tag points at now (a pinned reference is returned as it is)."""
        if ref.digest:
            return ref.digest
        response = self._call("HEAD", ref, f"manifests/{ref.reference}", accept=MANIFEST_TYPES)
        digest = response.headers.get("docker-content-digest", "")
        return digest if digest.startswith("sha256:") else self.manifest(ref).digest

    def manifest(self, ref: Reference) -> Manifest:
        response = self._call("GET", ref, f"manifests/{ref.reference}", accept=MANIFEST_TYPES)
        data = response.content
        digest = sha256_digest(data)
        if ref.digest and digest != ref.digest:
            raise RegistryError(str(ref), f"the registry sent a manifest whose digest is {digest}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        return Manifest(data, media_type or _declared_type(data), digest)

    def tags(self, ref: Reference) -> list[str]:
        found: list[str] = []
        path = "tags/list?n=1000"
        for _ in range(_MAX_TAG_PAGES):
            response = self._call("GET", ref, path)
            found.extend(str(t) for t in (response.json().get("tags") or []))
            following = response.links.get("next", {}).get("url")
            if not following:
                return found
            # The Link header is relative to the host; keep only the part after /v2/<repo>/.
            path = following.split(f"/v2/{ref.repository}/", 1)[-1]
        return found

    def blob(self, ref: Reference, digest: str) -> bytes:
        data = self._call("GET", ref, f"blobs/{digest}").content
        if sha256_digest(data) != digest:
            raise RegistryError(str(ref), f"blob {digest}: the registry sent other content")
        return data

    def image_config(self, ref: Reference) -> dict[str, Any]:
        """The image's config (labels, created); for an index, that of its first image."""
        manifest = self.manifest(ref)
        document = manifest.document()
        if manifest.is_index:
            entries = document.get("manifests") or []
            if not entries:
                raise RegistryError(str(ref), "the image index lists no manifests")
            manifest = self.manifest(ref.with_digest(str(entries[0]["digest"])))
            document = manifest.document()
        config_digest = str((document.get("config") or {}).get("digest", ""))
        if not config_digest:
            raise RegistryError(str(ref), "the manifest has no config")
        value = json.loads(self.blob(ref, config_digest))
        return value if isinstance(value, dict) else {}

    # -- writing ------------------------------------------------------------------------------

    def push_blob(self, ref: Reference, data: bytes) -> str:
        digest = sha256_digest(data)
        try:
            self._call("HEAD", ref, f"blobs/{digest}", push=True)
            return digest
        except RegistryError as exc:
            if not exc.not_found:
                raise
        started = self._call("POST", ref, "blobs/uploads/", push=True)
        location = started.headers.get("location")
        if not location:
            raise RegistryError(str(ref), "the registry started an upload without a Location")
        url = urljoin(str(started.url), location)
        separator = "&" if "?" in url else "?"
        self._call(
            "PUT",
            ref,
            f"{url}{separator}digest={digest}",
            content=data,
            headers={"content-type": "application/octet-stream"},
            push=True,
        )
        return digest

    def push_manifest(self, ref: Reference, tag: str, data: bytes, media_type: str) -> str:
        self._call(
            "PUT", ref, f"manifests/{tag}", content=data, headers={"content-type": media_type},
            push=True,
        )  # fmt: skip
        return sha256_digest(data)

    # -- transport ----------------------------------------------------------------------------

    def _base(self, ref: Reference) -> str:
        scheme = "http" if ref.registry in self.insecure else "https"
        return f"{scheme}://{ref.api_host}/v2/{ref.repository}/"

    def _call(
        self,
        method: str,
        ref: Reference,
        path: str,
        *,
        accept: tuple[str, ...] = (),
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        push: bool = False,
    ) -> httpx2.Response:
        url = path if path.startswith(("http://", "https://")) else self._base(ref) + path
        scope = f"repository:{ref.repository}:{'pull,push' if push else 'pull'}"
        sent = dict(headers or {})
        if accept:
            sent["accept"] = ", ".join(accept)
        token = self._tokens.get((ref.registry, scope))
        if token:
            sent["authorization"] = token
        response = self._send(method, url, ref, sent, content)
        if response.status_code == _UNAUTHORIZED:
            sent["authorization"] = self._authorize(ref, scope, response)
            self._tokens[(ref.registry, scope)] = sent["authorization"]
            response = self._send(method, url, ref, sent, content)
        if response.status_code >= 300:
            raise RegistryError(
                f"{ref.name} ({method} {path.split('?', maxsplit=1)[0]})",
                _explain(response),
                response.status_code,
            )
        return response

    def _send(
        self,
        method: str,
        url: str,
        ref: Reference,
        headers: Mapping[str, str],
        content: bytes | None,
    ) -> httpx2.Response:
        try:
            return self._http.request(method, url, headers=headers, content=content)
        except httpx2.HTTPError as exc:
            hint = (
                ""
                if ref.registry in self.insecure
                else " (a plain-HTTP registry must be listed as insecure)"
            )
            raise RegistryError(ref.name, f"cannot reach {ref.api_host}: {exc}{hint}") from None

    def _authorize(self, ref: Reference, scope: str, challenge: httpx2.Response) -> str:
        scheme, params = parse_challenge(challenge.headers.get("www-authenticate", ""))
        creds = credentials_for(ref.registry, self._credentials)
        if scheme == "basic":
            if creds is None:
                raise RegistryError(
                    ref.name, "the registry asks for a login and none is configured", 401
                )
            return challenge.request.headers.get("authorization") or _basic(creds)
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError(ref.name, f"unsupported auth challenge {scheme!r}", 401)
        query = {"scope": scope} | ({"service": params["service"]} if "service" in params else {})
        auth = (creds.username, creds.password) if creds and creds.password else None
        try:
            response = self._http.get(params["realm"], params=query, auth=auth)
        except httpx2.HTTPError as exc:
            raise RegistryError(ref.name, f"cannot reach the token service: {exc}") from None
        if response.status_code != 200:
            raise RegistryError(ref.name, f"the token service refused: {_explain(response)}", 401)
        body = response.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError(ref.name, "the token service sent no token", 401)
        return f"Bearer {token}"


def _basic(creds: Credentials) -> str:
    pair = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _declared_type(data: bytes) -> str:
    try:
        return str(json.loads(data).get("mediaType", ""))
    except (ValueError, AttributeError):
        return ""


def _explain(response: httpx2.Response) -> str:
    status = f"HTTP {response.status_code}"
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    detail = "; ".join(
        f"{e.get('code', '')}: {e.get('message', '')}" for e in errors if isinstance(e, dict)
    )
    return f"{status} {detail}".strip()
