"""Deleting an Application as `seaway app delete` does, for the API: with cascade (the default,
as in Argo CD) Argo CD's resources finalizer is set first, so the controller deletes the app's
objects before the Application goes; without it, the objects stay where they are."""

from __future__ import annotations

from seaway.controller.events import ObservedApps
from seaway.controller.file_apps import FileApps
from seaway.controller.kube_apps import API_VERSION, CASCADE_FINALIZERS, KubeApps
from seaway.controller.stored import AppStore, StoredApp


class DeleteRefused(Exception):
    """This kind of app store cannot delete Applications."""


def _finalizers(stored: StoredApp, cascade: bool) -> list[str]:
    kept = [
        str(f)
        for f in (stored.raw.get("metadata") or {}).get("finalizers") or []
        if f not in CASCADE_FINALIZERS
    ]
    return [*kept, CASCADE_FINALIZERS[0]] if cascade else kept


async def delete_app(apps: AppStore, stored: StoredApp, *, cascade: bool) -> None:
    """Mark the app deleted; the controller finishes it (enqueue the app after this)."""
    finalizers = _finalizers(stored, cascade)
    while isinstance(apps, ObservedApps):
        apps = apps.inner
    if isinstance(apps, FileApps):
        apps.store.set_finalizers("Application", stored.name, finalizers)
        apps.store.delete("Application", stored.name)
        return
    if isinstance(apps, KubeApps):
        patch = {"metadata": {"finalizers": finalizers}}
        await apps.rest.patch(API_VERSION, "Application", stored.name, apps.namespace, patch)
        await apps.rest.delete(API_VERSION, "Application", stored.name, apps.namespace)
        return
    raise DeleteRefused(f"Applications kept in {type(apps).__name__} cannot be deleted here")
