"""Pure: normalize desired and live objects and compare them. No I/O.

`diff(desired, live)` decides whether one object is Synced or OutOfSync and says which fields
differ; `diff_many` matches whole lists by ResourceKey. Ignore rules follow Argo CD's
spec.ignoreDifferences; Secret values never appear in the result.
"""

from seaway.diff.ignore import IgnoreRule, rules_from_argo
from seaway.diff.keys import group_of, is_cluster_scoped, key_of
from seaway.diff.objects import diff, diff_many
from seaway.diff.quantity import parse_quantity
from seaway.diff.result import FieldChange, ObjectDiff
from seaway.diff.secrets import CHANGED_MASK, MASK
from seaway.model.keys import ResourceKey

__all__ = [
    "CHANGED_MASK",
    "MASK",
    "FieldChange",
    "IgnoreRule",
    "ObjectDiff",
    "ResourceKey",
    "diff",
    "diff_many",
    "group_of",
    "is_cluster_scoped",
    "key_of",
    "parse_quantity",
    "rules_from_argo",
]
