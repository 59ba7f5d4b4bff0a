"""Applications and AppProjects from files: `seaway controller --apps DIR` and the local
backend, where no API server holds them. Their status lives in Seaway's store.

A file that does not load is reported and skipped; the apps it held before keep running as they
were (bad input loses nothing). An app whose file is gone is not deleted: deleting is an act
(`seaway app delete`), not a side effect of a moved file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.controller.stored import AppParser, StoredApp, parse_projects
from seaway.model import KINDS, AppProject, ManifestError, load_documents
from seaway.model.applicationset import APPSET_KINDS
from seaway.store.sqlite import NAMESPACE, Store

log = logging.getLogger("seaway.controller")

OnChange = Callable[[dict[str, Any]], None]
# ApplicationSets in an apps folder are stored too; seaway.controller.appsets makes their apps.
FILE_KINDS: Mapping[str, type[Any]] = {**KINDS, **APPSET_KINDS}


@dataclass
class LoadReport:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def manifest_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
            )
        else:
            files.append(path)
    return files


class FileApps:
    namespace = NAMESPACE

    def __init__(self, store: Store, paths: list[Path], on_change: OnChange | None = None) -> None:
        self.store = store
        self.paths = paths
        self.on_change = on_change
        self._parser = AppParser()
        self._stamps: dict[Path, tuple[float, int]] = {}

    def load(self, force: bool = False) -> LoadReport:
        """Read the files (those changed since the last load, unless forced) into the store."""
        report = LoadReport()
        for file in manifest_files(self.paths):
            try:
                stat = file.stat()
            except OSError as exc:
                report.problems.append(f"{file}: {exc.strerror or exc}")
                continue
            stamp = (stat.st_mtime, stat.st_size)
            if not force and self._stamps.get(file) == stamp:
                continue
            try:
                objects = load_documents(file.read_text(), str(file), kinds=FILE_KINDS)
            except (ManifestError, OSError, UnicodeDecodeError) as exc:
                report.problems.append(str(exc))
                continue
            self._stamps[file] = stamp
            for obj in objects:
                manifest = obj.to_dict()
                stored, changed = self.store.upsert(manifest, source=str(file))
                name = str(manifest["metadata"]["name"])
                (report.changed if changed else report.unchanged).append(name)
                if changed and self.on_change is not None:
                    self.on_change(stored)
        for problem in report.problems:
            log.error("not loaded: %s", problem)
        return report

    async def apps(self) -> list[StoredApp]:
        return [self._parser.app(obj) for obj in self.store.all("Application")]

    async def app(self, name: str) -> StoredApp | None:
        obj = self.store.get("Application", name)
        return self._parser.app(obj) if obj is not None else None

    async def projects(self) -> list[AppProject]:
        return parse_projects(self.store.all("AppProject"))

    async def write_status(self, name: str, status: Mapping[str, Any]) -> None:
        self.store.write_status("Application", name, status)

    async def clear_operation(self, name: str) -> None:
        try:
            self.store.set_operation("Application", name, None)
        except KeyError:
            return

    async def remove_finalizers(self, name: str, keep: list[str]) -> None:
        try:
            self.store.set_finalizers("Application", name, keep)
        except KeyError:
            return

    async def request_sync(self, name: str, operation: Mapping[str, Any]) -> None:
        stored = self.store.set_operation("Application", name, operation)
        if self.on_change is not None:
            self.on_change(stored)

    async def clear_refresh(self, name: str) -> None:
        # Apps from files carry no refresh annotation: a refresh is a direct enqueue.
        return None

    async def close(self) -> None:
        return None
