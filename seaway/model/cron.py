"""Checking cron schedules as sync windows use them (standard five fields, or a descriptor).

Only validation lives here, so a bad schedule is reported when the project is loaded; working
out when a window opens belongs to the part that enforces windows.
"""

from __future__ import annotations

from seaway.model.durations import parse_go_duration

_DESCRIPTORS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_WEEKDAYS = {name: n for n, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (name, lowest, highest, names allowed, "?" allowed)
_FIELDS: tuple[tuple[str, int, int, dict[str, int], bool], ...] = (
    ("minute", 0, 59, {}, False),
    ("hour", 0, 23, {}, False),
    ("day of month", 1, 31, {}, True),
    ("month", 1, 12, _MONTHS, False),
    ("day of week", 0, 6, _WEEKDAYS, True),
)


def _value(text: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    number = names.get(text.lower())
    if number is None:
        if not text.isdigit():
            raise ValueError(f"{field} {text!r} is not a number")
        number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{field} {number} is outside {low}-{high}")
    return number


def _check_field(text: str, spec: tuple[str, int, int, dict[str, int], bool]) -> None:
    field, low, high, names, question_mark = spec
    for item in text.split(","):
        span, slash, step = item.partition("/")
        if slash and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"{field} step {step!r} is not a positive number")
        if span == "*" or (span == "?" and question_mark):
            continue
        first, dash, last = span.partition("-")
        start = _value(first, field, low, high, names)
        if dash:
            end = _value(last, field, low, high, names)
            if end < start:
                raise ValueError(f"{field} range {span!r} runs backwards")


def validate_cron(schedule: str) -> None:
    """Raise ValueError saying what is wrong with `schedule`, or return if it is valid."""
    text = schedule.strip()
    if text.startswith("@"):
        if text in _DESCRIPTORS:
            return
        if text.startswith("@every "):
            parse_go_duration(text.removeprefix("@every ").strip())
            return
        raise ValueError(f"unknown schedule descriptor {text!r}")
    fields = text.split()
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"a schedule has five fields (minute hour day-of-month month day-of-week), "
            f"{schedule!r} has {len(fields)}"
        )
    for value, spec in zip(fields, _FIELDS, strict=True):
        _check_field(value, spec)
