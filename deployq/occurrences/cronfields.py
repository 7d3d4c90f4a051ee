"""Cron expressions checked (R30) and compiled into field sets with croniter's own parser.

croniter parses, so every expression means what it means to croniter (names, ranges, steps,
lists, `L` for the last day, `5#2` and `L5` in the day of week); deployq then matches days itself,
since croniter's per-step cost would dominate scheduling. Rejected: anything but five fields or a
keyword, random/hashed fields (`R`, `H`, `H(0-5)/2`...), and `W` (nearest weekday), which the
reference's croniter does not parse either. With day_or and both day fields restricted, a day
matches if either field matches (R32), also when the weekday field is `5#2` or `L5`; croniter
instead intersects each side with the nth rule there (and the reference then often fails).
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Sequence

from croniter import croniter

from deployq.occurrences.cronhints import field_problem

INVALID = "Invalid cron string"
RANDOM_OR_HASHED = "Random and Hashed expressions are unsupported"

_KEYWORDS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_RANDOM_OR_HASHED_FIELD = re.compile(r"^[hr](\(.*\))?(/.*)?$", re.IGNORECASE)
_GREGORIAN_CYCLE_YEARS = 400  # calendar and weekdays repeat exactly after this many years
_MONTH_CACHE_LIMIT = 512

Nth = int | str  # 1..5, or "l" for the last such weekday of the month


class CronFields:
    """One compiled expression; `month_days` answers which days of a month match (R32)."""

    __slots__ = (
        "_month_cache",
        "dom",
        "dom_last",
        "dow",
        "either",
        "hours",
        "minutes",
        "months",
        "nth",
        "repeats",
    )

    def __init__(
        self,
        *,
        minutes: tuple[int, ...],
        hours: tuple[int, ...],
        months: frozenset[int],
        dom: frozenset[int] | None,
        dom_last: bool,
        dow: frozenset[int] | None,
        nth: tuple[tuple[int, frozenset[Nth]], ...],
        either: bool,
    ) -> None:
        self.minutes = minutes
        self.hours = hours
        self.months = months
        self.dom = dom  # None: any day of the month
        self.dom_last = dom_last
        self.dow = dow  # None: any day of the week; 0 is Sunday
        self.nth = nth  # (weekday, which ones) pairs; when present they replace `dow`
        self.either = either  # R32: day_or with both day fields restricted: either one matches
        self._month_cache: dict[tuple[int, int], tuple[int, ...]] = {}
        self.repeats = self._matches_within_a_cycle()

    def month_days(self, year: int, month: int) -> tuple[int, ...]:
        key = (year, month)
        days = self._month_cache.get(key)
        if days is None:
            if len(self._month_cache) >= _MONTH_CACHE_LIMIT:
                self._month_cache.clear()
            days = self._match_month(year, month)
            self._month_cache[key] = days
        return days

    def _match_month(self, year: int, month: int) -> tuple[int, ...]:
        if month not in self.months:
            return ()
        first_weekday, last = calendar.monthrange(year, month)
        first_weekday = (first_weekday + 1) % 7  # cron counts from Sunday = 0
        nth_days = self._nth_days(first_weekday, last)
        matching = []
        for day in range(1, last + 1):
            in_dom = self.dom is None or day in self.dom or (self.dom_last and day == last)
            if self.nth:
                in_dow = day in nth_days
            else:
                in_dow = self.dow is None or (first_weekday + day - 1) % 7 in self.dow
            if (in_dom or in_dow) if self.either else (in_dom and in_dow):
                matching.append(day)
        return tuple(matching)

    def _nth_days(self, first_weekday: int, last: int) -> frozenset[int]:
        chosen = set()
        for weekday, which in self.nth:
            days = range(1 + (weekday - first_weekday) % 7, last + 1, 7)
            for ordinal in which:
                if ordinal == "l":
                    chosen.add(days[-1])
                elif isinstance(ordinal, int) and ordinal <= len(days):
                    chosen.add(days[ordinal - 1])
        return frozenset(chosen)

    def _matches_within_a_cycle(self) -> bool:
        """False for expressions that can never fire (`0 0 31 2 *`), so no search runs forever."""
        for year in range(2000, 2000 + _GREGORIAN_CYCLE_YEARS):
            for month in sorted(self.months):
                if self._match_month(year, month):
                    return True
        return False


def check_cron(expression: str) -> str:
    """Return `expression` if deployq can schedule it (R30); ValueError with the reason if not."""
    compile_cron(expression, True)
    return expression


def _five_fields(expression: str) -> list[str]:
    if not isinstance(expression, str):
        raise ValueError(INVALID)
    text = expression.strip()
    text = _KEYWORDS.get(text.lower(), text)
    fields = text.split()
    if any(_RANDOM_OR_HASHED_FIELD.match(field) for field in fields):
        raise ValueError(f'{RANDOM_OR_HASHED}: "{expression}"')
    if len(fields) != 5:
        raise ValueError(f'{INVALID}: "{expression}" (expected 5 fields, got {len(fields)})')
    if "w" in fields[2].lower():
        raise ValueError(f'{INVALID}: "{expression}" (W, nearest weekday, is not supported)')
    return fields


@functools.lru_cache(maxsize=4096)
def compile_cron(expression: str, day_or: bool) -> CronFields:
    fields = _five_fields(expression)
    try:
        expanded, nth_map = croniter.expand(" ".join(fields))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        reason = field_problem(fields) or str(exc)
        raise ValueError(f'{INVALID}: "{expression}": {reason}') from None
    minute, hour, dom, month, dow = expanded

    def ints(values: Sequence[int | str], low: int, high: int) -> tuple[int, ...]:
        if values == ["*"]:
            return tuple(range(low, high + 1))
        return tuple(sorted(value for value in values if isinstance(value, int)))

    nth: list[tuple[int, frozenset[Nth]]] = []
    for weekday, which in nth_map.items():
        targets = [weekday] if isinstance(weekday, int) else range(7)  # "*#2": every weekday
        nth.extend((target, frozenset(which)) for target in targets)
    return CronFields(
        minutes=ints(minute, 0, 59),
        hours=ints(hour, 0, 23),
        months=frozenset(ints(month, 1, 12)),
        dom=None if dom == ["*"] else frozenset(ints(dom, 1, 31)),
        dom_last="l" in dom,
        dow=None if dow == ["*"] else frozenset(ints(dow, 0, 6)),
        nth=tuple(sorted(nth, key=lambda pair: pair[0])),
        either=day_or and dom != ["*"] and dow != ["*"],
    )
