"""Sync windows, evaluated: which windows apply to an app, which are open at a moment, may a
sync (automated or by hand) run now, and when does that answer change.

The rules are Argo CD's: an open deny window blocks (a manual sync passes only if every open
deny window sets manualSync); else an open allow window lets the sync through; else, if the app
has allow windows at all, it waits for one (a manual sync passes if one of them sets
manualSync); an app no window applies to syncs at any time. Schedules are read by cronsim in the
window's time zone (UTC when none is given), and a window lasts its duration in real time, so
it is as long across a DST change as on any other day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

from seaway.model.durations import parse_go_duration
from seaway.model.globs import glob_match
from seaway.model.project import SyncWindow, SyncWindowKind

UTC = dt.UTC
# Looking further ahead than this for a change of verdict is pointless: a year of windows.
_HORIZON = dt.timedelta(days=366)
_MAX_STEPS = 2000
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WindowTarget:
    """What windows are matched against: the app's name and where it deploys."""

    app: str
    namespace: str = ""
    server: str = ""
    cluster_name: str = ""


@dataclass(frozen=True)
class OpenWindow:
    window: SyncWindow
    start: dt.datetime
    end: dt.datetime

    def describe(self) -> str:
        return describe(self.window)


@dataclass(frozen=True)
class WindowVerdict:
    allowed: bool
    reason: str
    # The windows that block (open denies, or the closed allows waited for); empty if allowed.
    blocking: tuple[SyncWindow, ...] = ()
    # When the sync may run, if it is blocked and that moment is within a year.
    opens_at: dt.datetime | None = None


def describe(window: SyncWindow) -> str:
    """A window as people name it: `deny "0 22 * * *" for 8h (Europe/Berlin)`."""
    zone = f" ({window.time_zone})" if window.time_zone else " (UTC)"
    text = f'{window.kind.value} window "{window.schedule}" for {window.duration}{zone}'
    if window.description:
        text += f" - {window.description}"
    return text


def _any(patterns: Sequence[str], values: Iterable[str]) -> bool:
    present = [v for v in values if v]
    return any(glob_match(p, v) for p in patterns for v in present)


def applies_to(window: SyncWindow, target: WindowTarget) -> bool:
    """Whether the window names the app, its namespace or its cluster (all named, with
    andOperator)."""
    checks = []
    if window.applications:
        checks.append(_any(window.applications, [target.app]))
    if window.namespaces:
        checks.append(_any(window.namespaces, [target.namespace]))
    if window.clusters:
        checks.append(_any(window.clusters, [target.server, target.cluster_name]))
    if not checks:
        return False
    return all(checks) if window.and_operator else any(checks)


def matching(windows: Iterable[SyncWindow], target: WindowTarget) -> list[SyncWindow]:
    return [w for w in windows if applies_to(w, target)]


def _zone(window: SyncWindow) -> dt.tzinfo:
    return ZoneInfo(window.time_zone) if window.time_zone else UTC


def _length(window: SyncWindow) -> dt.timedelta:
    return parse_go_duration(window.duration)


def _expression(window: SyncWindow) -> str:
    text = window.schedule.strip()
    text = _DESCRIPTORS.get(text, text)
    # Quartz's "no specific value" means the same as "*" in the fields where it is allowed.
    return " ".join("*" if field == "?" else field for field in text.split())


def _every(window: SyncWindow) -> dt.timedelta | None:
    text = window.schedule.strip()
    if not text.startswith("@every "):
        return None
    return parse_go_duration(text.removeprefix("@every ").strip())


def _last_start(window: SyncWindow, at: dt.datetime) -> dt.datetime | None:
    """The latest moment at or before `at` the window opened (UTC)."""
    every = _every(window)
    if every is not None:
        # An interval with no anchor counts from the Unix epoch, so every node agrees.
        steps = (at - _EPOCH) // every
        return _EPOCH + steps * every
    local = at.astimezone(_zone(window))
    try:
        for start in CronSim(_expression(window), local + dt.timedelta(seconds=1), reverse=True):
            # Compared in UTC: aware times of one zone compare by wall clock, fold ignored.
            if start.astimezone(UTC) <= at:
                return start.astimezone(UTC)
    except (CronSimError, StopIteration):
        return None
    return None


def _next_start(window: SyncWindow, after: dt.datetime) -> dt.datetime | None:
    """The first moment after `after` the window opens (UTC)."""
    every = _every(window)
    if every is not None:
        steps = (after - _EPOCH) // every + 1
        return _EPOCH + steps * every
    try:
        start = next(CronSim(_expression(window), after.astimezone(_zone(window))))
    except (CronSimError, StopIteration):
        return None
    return start.astimezone(UTC)


def open_at(window: SyncWindow, at: dt.datetime) -> OpenWindow | None:
    """The window's instance that is open at `at`, if one is."""
    start = _last_start(window, at)
    if start is None:
        return None
    end = start + _length(window)
    return OpenWindow(window, start, end) if at < end else None


def _judge(
    windows: Sequence[SyncWindow], at: dt.datetime, manual: bool
) -> tuple[bool, str, tuple[SyncWindow, ...]]:
    if not windows:
        return True, "no sync window applies", ()
    opened = [o for w in windows if (o := open_at(w, at)) is not None]
    denies = [o for o in opened if o.window.kind is SyncWindowKind.DENY]
    if denies:
        names = "; ".join(f"{o.describe()}, open until {_iso(o.end)}" for o in denies)
        if manual and all(o.window.manual_sync for o in denies):
            return True, f"a manual sync may run in the {names} (manualSync)", ()
        return False, f"blocked by the {names}", tuple(o.window for o in denies)
    allows = [o for o in opened if o.window.kind is SyncWindowKind.ALLOW]
    if allows:
        return True, f"inside the {allows[0].describe()}", ()
    closed = tuple(w for w in windows if w.kind is SyncWindowKind.ALLOW)
    if not closed:
        return True, "no deny window is open", ()
    if manual and any(w.manual_sync for w in closed):
        return True, "outside every allow window, but a manual sync may run (manualSync)", ()
    names = "; ".join(describe(w) for w in closed)
    return False, f"outside every allow window ({names})", closed


def next_change(windows: Sequence[SyncWindow], at: dt.datetime) -> dt.datetime | None:
    """The first moment after `at` when any of the windows opens or closes."""
    moments = []
    for window in windows:
        current = open_at(window, at)
        if current is not None:
            moments.append(current.end)
        start = _next_start(window, at)
        if start is not None:
            moments.append(start)
    later = [m for m in moments if m > at]
    return min(later) if later else None


def verdict(
    windows: Iterable[SyncWindow], target: WindowTarget, at: dt.datetime, *, manual: bool = False
) -> WindowVerdict:
    """May a sync of the target run at `at`? Automated syncs and promotions ask with
    manual=False, a person's sync with manual=True."""
    at = at.astimezone(UTC)
    applying = matching(windows, target)
    allowed, reason, blocking = _judge(applying, at, manual)
    if allowed:
        return WindowVerdict(True, reason)
    return WindowVerdict(False, reason, blocking, _opens_at(applying, at, manual))


def _opens_at(windows: Sequence[SyncWindow], at: dt.datetime, manual: bool) -> dt.datetime | None:
    moment = at
    for _ in range(_MAX_STEPS):
        later = next_change(windows, moment)
        if later is None or later - at > _HORIZON:
            return None
        if _judge(windows, later, manual)[0]:
            return later
        moment = later
    return None


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hold_message(result: WindowVerdict, lead: str = "automated sync held") -> str:
    """The sentence a status or a CLI shows for a blocked verdict."""
    when = f"; it may run from {_iso(result.opens_at)}" if result.opens_at else ""
    return f"{lead}: {result.reason}{when}"
