"""Which field of a cron expression is wrong, and how, for the error a sender reads: croniter
only says the whole expression "is not acceptable"."""

from __future__ import annotations

import re

# name, lowest, highest, what the field counts
FIELDS = (
    ("minute", 0, 59, "minutes are 0-59"),
    ("hour", 0, 23, "hours are 0-23"),
    ("day-of-month", 1, 31, "days of the month are 1-31"),
    ("month", 1, 12, "months are 1-12 or jan-dec"),
    ("day-of-week", 0, 7, "days of the week are 0-7 (0 and 7 are Sunday) or sun-sat"),
)
_NAMES = re.compile(
    r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$"
)
_PART = re.compile(r"^(?P<base>[^/]+)(/(?P<step>.*))?$")


def field_problem(fields: list[str]) -> str | None:
    """`hour field '25': 25 is out of range (hours are 0-23)`, or None when every field looks
    right (the problem is elsewhere, and croniter's words are kept)."""
    for (name, low, high, counts), field in zip(FIELDS, fields, strict=False):
        for part in field.lower().split(","):
            problem = _part_problem(part, low, high)
            if problem is not None:
                return f"{name} field {field!r}: {problem} ({counts})"
    return None


def _part_problem(part: str, low: int, high: int) -> str | None:
    matched = _PART.match(part)
    if matched is None:
        return "an empty item"
    step = matched["step"]
    if step is not None and not (step.isdigit() and int(step) > 0):
        return f"step {step!r} is not a positive number"
    base = matched["base"].split("#")[0].removeprefix("l")
    if base in ("*", "?", ""):
        return None
    for bound in base.split("-"):
        if bound.isdigit():
            if not low <= int(bound) <= high:
                return f"{bound} is out of range"
        elif not _NAMES.match(bound):
            return f"{bound!r} is neither a number nor a name"
    return None
