"""An in-memory LRU of render results per (commit, path, options), so that many applications
on one revision render it once, even when they ask at the same moment."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from pathlib import Path

from seaway.source.render.options import RenderOptions
from seaway.source.render.render import RenderResult, render
from seaway.source.render.tools import Tools
from seaway.source.render.workdir import DEFAULT_TIMEOUT

CacheKey = tuple[str, str, str]


class RenderCache:
    def __init__(
        self,
        max_entries: int = 256,
        *,
        tools: Tools | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.max_entries = max_entries
        self.tools = tools or Tools()
        self.timeout = timeout
        self._entries: OrderedDict[CacheKey, RenderResult] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[CacheKey, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def render(
        self, sha: str, tree: Path, path: str, options: RenderOptions | None = None
    ) -> RenderResult:
        """The render of `path` at commit `sha` (checked out at `tree`), from cache if known.

        Results are copies: callers may change the objects without changing the cache. Errors
        are not cached, so a fixed tool or a new commit is tried again.
        """
        options = options or RenderOptions()
        key = (sha, path.strip().strip("/") or ".", options.cache_key())
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                cached = self._entries.get(key)
                if cached is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return copy.deepcopy(cached)
                self.misses += 1
            try:
                result = render(tree, path, options, tools=self.tools, timeout=self.timeout)
                with self._lock:
                    self._entries[key] = result
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            finally:
                # Stored before the key's lock goes, so a caller arriving now finds the entry.
                with self._lock:
                    self._key_locks.pop(key, None)
            return copy.deepcopy(result)
