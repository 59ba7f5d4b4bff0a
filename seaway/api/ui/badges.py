"""How a sync or health status looks: a colour, an icon and the word, so the state reads
without colour too (as Argo CD's badges do)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Badge:
    text: str
    icon: str
    tone: str  # a CSS class: ok, warn, bad, busy, paused, none


_HEALTH = {
    "Healthy": ("\u2665", "ok"),
    "Progressing": ("\u25d4", "busy"),
    "Degraded": ("\u2716", "bad"),
    "Suspended": ("\u2016", "paused"),
    "Missing": ("\u2205", "warn"),
}
_SYNC = {
    "Synced": ("\u2714", "ok"),
    "OutOfSync": ("\u21bb", "warn"),
}
_PHASE = {
    "Healthy": ("\u2665", "ok"),
    "Succeeded": ("\u2714", "ok"),
    "Successful": ("\u2714", "ok"),
    "Running": ("\u25d4", "busy"),
    "Progressing": ("\u25d4", "busy"),
    "Paused": ("\u2016", "paused"),
    "Inconclusive": ("?", "warn"),
    "Failed": ("\u2716", "bad"),
    "Error": ("\u2716", "bad"),
    "Degraded": ("\u2716", "bad"),
}


def _badge(table: dict[str, tuple[str, str]], text: str) -> Badge:
    icon, tone = table.get(text, ("?", "none"))
    return Badge(text or "Unknown", icon, tone)


def health(text: str) -> Badge:
    return _badge(_HEALTH, text)


def sync(text: str) -> Badge:
    return _badge(_SYNC, text)


def phase(text: str) -> Badge:
    return _badge(_PHASE, text)
