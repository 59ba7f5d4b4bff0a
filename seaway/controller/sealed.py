"""SealedSecrets opened at sync: each desired `bitnami.com/v1alpha1 SealedSecret` of an app is
replaced by the `v1 Secret` it stands for, opened with the controller's sealing keys.

An edge step the comparer calls before placement. The scope is read from the SealedSecret's own
annotations and bound by its own namespace and name (`seaway.secrets.unseal`), so nothing else in
the app, nor its destination, can widen where a value opens. A SealedSecret without a namespace
gets the app's destination namespace first, as any namespaced object would.

Who opens them, so that one Secret never has two owners: where the destination cluster serves the
SealedSecret kind (Bitnami's CRD, and so, presumably, its controller), the SealedSecrets are left
as they are and applied like any object, as Argo CD does: Bitnami's controller opens them with its
own keys and owns the Secrets it makes. Only where the kind is not served does Seaway open them;
the SealedSecret itself is then never applied, and the Secret is the app's (tracked, diffed with
its values masked, pruned). The local backend never serves it.

Nothing here logs, and no error carries a value: `seaway.secrets` errors name the object, the
field and the reason only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.cluster.backend import ClusterBackend
from seaway.cluster.kubernetes.rest import KubeError
from seaway.model import Application
from seaway.secrets import KeyStore, SealingKey, SecretsError, unseal
from seaway.secrets.errors import KeyStoreError
from seaway.secrets.manifests import SEALED_API_VERSION, SEALED_KIND, describe

SEALED_GROUP = SEALED_API_VERSION.partition("/")[0]


class SealedSecretError(Exception):
    """A SealedSecret of the app that cannot be opened; the message names it and says why."""


def is_sealed(obj: Mapping[str, Any]) -> bool:
    return obj.get("apiVersion") == SEALED_API_VERSION and obj.get("kind") == SEALED_KIND


@dataclass
class SealedSecrets:
    # The key store directory (`seaway secret keygen --dir`): every key in it is tried.
    keys: Path
    # Leave SealedSecrets to Bitnami's controller where the cluster serves their kind; the local
    # backend has no such controller, so there they are always opened.
    defer_when_served: bool = True
    # Loading and checking a 4096-bit key takes about a second on a busy host, so the keys are
    # kept while the directory's files (names, sizes, times, modes) stay the same.
    _loaded: tuple[object, list[SealingKey]] | None = field(default=None, repr=False)

    async def open_all(
        self, backend: ClusterBackend, app: Application, objects: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """`objects` with each SealedSecret replaced by its Secret; SealedSecretError if any
        one does not open (then none is returned: the app is all or nothing)."""
        sealed = [obj for obj in objects if is_sealed(obj)]
        if not sealed:
            return list(objects)
        if self.defer_when_served and await _served(backend, objects):
            return list(objects)
        keys = await asyncio.to_thread(self._load_keys, sealed)
        namespace = app.spec.destination.namespace or "default"
        return [open_one(obj, keys, namespace) if is_sealed(obj) else obj for obj in objects]

    def _load_keys(self, sealed: Sequence[Mapping[str, Any]]) -> list[SealingKey]:
        store = KeyStore(self.keys)
        stamp = _stamp(self.keys)
        if self._loaded is not None and self._loaded[0] == stamp:
            return self._loaded[1]
        try:
            keys = store.sealing_keys()
            if not keys:
                store.active()  # raises the error that says how to make the first key
        except KeyStoreError as exc:
            raise SealedSecretError(
                f"{describe(SEALED_KIND, sealed[0])}: not opened: the controller's sealing "
                f"keys: {exc}"
            ) from None
        self._loaded = (stamp, keys)
        return keys


def open_one(
    sealed: Mapping[str, Any], keys: Iterable[SealingKey], default_namespace: str
) -> dict[str, Any]:
    placed = dict(sealed)
    meta = dict(placed.get("metadata") or {})
    if not meta.get("namespace"):
        meta["namespace"] = default_namespace
    placed["metadata"] = meta
    try:
        secret = unseal(placed, keys)
    except SecretsError as exc:
        # `from None`: the chained exception would be a second place a reader could look.
        raise SealedSecretError(f"{exc} (not opened: nothing of the app is applied)") from None
    # unseal() names the SealedSecret as the Secret's owner, but here no SealedSecret is applied,
    # so the app itself owns the Secret (tracked and pruned as any of its objects).
    secret["metadata"].pop("ownerReferences", None)
    return secret


def _stamp(directory: Path) -> object:
    try:
        files = [(path.name, path.stat()) for path in directory.iterdir()]
    except OSError:
        return None
    return sorted((name, st.st_mtime_ns, st.st_size, st.st_mode) for name, st in files)


async def _served(backend: ClusterBackend, objects: Sequence[Mapping[str, Any]]) -> bool:
    for obj in objects:
        if obj.get("kind") == "CustomResourceDefinition":
            spec = obj.get("spec") or {}
            names = spec.get("names") or {}
            if spec.get("group") == SEALED_GROUP and names.get("kind") == SEALED_KIND:
                return True
    try:
        await backend.is_namespaced(SEALED_API_VERSION, SEALED_KIND)
    except Exception as exc:
        if isinstance(exc, KubeError) and exc.status == 404:
            return False
        # Not knowing is not "not served": opening them then could make a second owner.
        raise SealedSecretError(
            f"cannot tell whether the destination serves {SEALED_API_VERSION} {SEALED_KIND} "
            f"(so whether Bitnami's controller opens them): {exc}"
        ) from None
    return True
