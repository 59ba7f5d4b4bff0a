"""Kubernetes label selectors over string maps: cluster Secrets' labels and generators' post
selectors (which read parameters as labels)."""

from __future__ import annotations

from collections.abc import Mapping

from seaway.model.applicationset import LabelSelector


def matches(selector: LabelSelector, labels: Mapping[str, object]) -> bool:
    """Whether `labels` satisfy every term of `selector`; an empty selector matches all."""
    for key, value in selector.match_labels.items():
        if labels.get(key) != value:
            return False
    for term in selector.match_expressions:
        present = term.key in labels
        found = labels.get(term.key)
        if term.operator == "In" and not (present and found in term.values):
            return False
        if term.operator == "NotIn" and present and found in term.values:
            return False
        if term.operator == "Exists" and not present:
            return False
        if term.operator == "DoesNotExist" and present:
            return False
    return True
