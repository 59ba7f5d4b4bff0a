"""diff and diff_many: from raw desired and live objects to decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from seaway.diff.compare import compare
from seaway.diff.ignore import IgnoreRule, apply_rules
from seaway.diff.keys import group_of, is_cluster_scoped, key_of
from seaway.diff.managed_fields import owned_fields
from seaway.diff.normalize import clean, plain
from seaway.diff.result import FieldChange, ObjectDiff
from seaway.diff.secrets import fold_string_data, is_secret, mask
from seaway.model.keys import ResourceKey


def diff(
    desired: Mapping[str, Any] | None,
    live: Mapping[str, Any] | None,
    *,
    ignore: Sequence[IgnoreRule] = (),
    manager: str = "seaway",
) -> ObjectDiff:
    """Compare one object as rendered from Git (`desired`) with the API server's copy (`live`,
    with its metadata.managedFields). `manager` is the field manager Seaway applies with: fields
    it owns in live that desired no longer sets count as drift."""
    source = live if live is not None else desired
    if source is None:
        raise ValueError("diff needs a desired or a live object, got neither")
    # Live knows the namespace for sure; desired may leave it to the destination.
    key = key_of(source)
    want = clean(desired) if desired is not None else None
    have = clean(live) if live is not None else None
    secret = is_secret(want) or is_secret(have)
    if want is not None and secret:
        want = fold_string_data(want)
    want, have = apply_rules(ignore, key, want, have, live)
    if secret:
        mask(want, have)

    if want is None:
        return ObjectDiff(key, True, False, True, (FieldChange("", None, have),), None, have)
    if have is None or live is None:
        return ObjectDiff(key, True, True, False, (FieldChange("", want, None),), want, None)
    result = compare(want, have, owned_fields(live, (manager,)))
    return ObjectDiff(
        key=key,
        modified=bool(result.changes),
        missing_live=False,
        extra_live=False,
        changes=tuple(result.changes),
        normalized_desired=result.desired,
        normalized_live=result.live,
    )


def diff_many(
    desired: Iterable[Mapping[str, Any]],
    live: Iterable[Mapping[str, Any]],
    *,
    ignore: Sequence[IgnoreRule] = (),
    manager: str = "seaway",
    namespace: str = "",
    cluster_scoped: Callable[[str, str], bool] = is_cluster_scoped,
) -> dict[ResourceKey, ObjectDiff]:
    """Match desired and live objects by ResourceKey and diff each pair: desired objects in
    their order, then live objects nothing desired matched (prune candidates).

    `namespace` is the destination namespace, given to namespaced desired objects that name
    none; `cluster_scoped(group, kind)` tells which kinds take no namespace."""
    wanted: dict[ResourceKey, Mapping[str, Any]] = {}
    for given in desired:
        obj = _with_namespace(given, namespace, cluster_scoped)
        key = key_of(obj)
        if key in wanted:
            raise ValueError(f"{key} is rendered twice; each object must appear once")
        wanted[key] = obj
    present: dict[ResourceKey, Mapping[str, Any]] = {}
    for obj in live:
        key = key_of(obj)
        if key in present:
            raise ValueError(f"{key} appears twice in the live objects")
        present[key] = obj
    out = {
        key: diff(obj, present.get(key), ignore=ignore, manager=manager)
        for key, obj in wanted.items()
    }
    for key, obj in present.items():
        if key not in wanted:
            out[key] = diff(None, obj, ignore=ignore, manager=manager)
    return out


def _with_namespace(
    obj: Mapping[str, Any], namespace: str, cluster_scoped: Callable[[str, str], bool]
) -> Mapping[str, Any]:
    metadata = obj.get("metadata") or {}
    if not namespace or metadata.get("namespace"):
        return obj
    if cluster_scoped(group_of(str(obj.get("apiVersion", ""))), str(obj.get("kind", ""))):
        return obj
    copy: dict[str, Any] = plain(obj)
    copy.setdefault("metadata", {})["namespace"] = namespace
    return copy
