"""The generated admin password's plaintext in a Secret, as Argo CD keeps its
`argocd-initial-admin-secret`: on Kubernetes that is where a cluster admin looks for it, and
who may read it is RBAC's to say, not the server host's file permissions.

`Access` (the admin account, in `seaway.api.auth`) is synchronous and calls its keeper rarely
(first start, `seaway admin`, a password change), so this keeper is synchronous too: each call
runs on a short-lived event loop in a thread of its own, with a client of its own, which works
the same from a plain CLI command and from inside the server's running loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx2

from seaway.cluster.kubernetes.rest import KubeError, KubeRest

SECRET_NAME = "seaway-initial-admin-secret"  # noqa: S105 (a name)
PASSWORD_KEY = "password"  # noqa: S105 (the key's name)
LABELS = {
    "app.kubernetes.io/part-of": "seaway",
    "app.kubernetes.io/component": "initial-admin-secret",
}

T = TypeVar("T")


class AdminSecret:
    """A `PlaintextKeeper` over Secret `SECRET_NAME` in `namespace`. `connect` makes a client;
    it is called once per operation, on the thread that uses it."""

    def __init__(self, connect: Callable[[], KubeRest], namespace: str) -> None:
        self._connect = connect
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"AdminSecret({self.namespace!r})"

    @property
    def path(self) -> str:
        return f"{self.namespace}/{SECRET_NAME}"

    @property
    def location(self) -> str:
        return f"in Secret {self.path}"

    def write(self, text: str) -> None:
        encoded = base64.b64encode(text.encode()).decode()

        async def write(rest: KubeRest) -> None:
            # The namespace may not exist yet on a first start without --apps.
            await rest.apply(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
            )
            await rest.apply(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {
                        "name": SECRET_NAME,
                        "namespace": self.namespace,
                        "labels": LABELS,
                    },
                    "type": "Opaque",
                    "data": {PASSWORD_KEY: encoded},
                }
            )

        self._call(write)

    def read(self) -> str | None:
        async def get(rest: KubeRest) -> dict[str, Any] | None:
            return await rest.get("v1", "Secret", SECRET_NAME, self.namespace)

        secret = self._call(get)
        if secret is None:
            return None
        encoded = (secret.get("data") or {}).get(PASSWORD_KEY)
        if not encoded:
            return None
        try:
            return base64.b64decode(encoded, validate=True).decode().strip() or None
        except (binascii.Error, UnicodeDecodeError):
            raise KubeError(
                0, "Invalid", f"{self.location}: key {PASSWORD_KEY!r} is not base64 text"
            ) from None

    def remove(self) -> bool:
        async def delete(rest: KubeRest) -> bool:
            return await rest.delete("v1", "Secret", SECRET_NAME, self.namespace, "Background")

        return self._call(delete)

    def _call(self, work: Callable[[KubeRest], Awaitable[T]]) -> T:
        async def once() -> T:
            async with self._connect() as rest:
                try:
                    return await work(rest)
                except httpx2.HTTPError as exc:
                    raise KubeError(
                        0, "Unreachable", f"cannot reach the API server: {exc}"
                    ) from None

        # A thread of its own, so that a caller already inside an event loop can call too.
        with ThreadPoolExecutor(1, thread_name_prefix="seaway-admin-secret") as pool:
            return pool.submit(asyncio.run, once()).result()
