"""RRule text parsed once into naive dateutil rules that can be re-anchored near any query (R43).

A rule without COUNT produces, from any of its "phase points" DTSTART + k*period on, exactly the
occurrences the original produces from there: dateutil steps through periods from DTSTART and
fills the parts the rule leaves out (minute, weekday, day of month...) from DTSTART, and a shift
by whole periods changes none of those. Periods are exact for SECONDLY..WEEKLY; MONTHLY moves only
when DTSTART's day is <= 28 and YEARLY only when DTSTART is not 29 February, so the filled-in day
exists in every period. A COUNT rule is turned once into the same rule with UNTIL at its last
occurrence, which can then move too. Every computation stays bounded, so no rule can stall a
worker or a scheduler: COUNT is at most COUNT_LIMIT, a COUNT not reached within _HORIZON_YEARS of
DTSTART ends the rule there, and a BYSETPOS no period can reach is refused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, rrule
from dateutil.rrule import rrulestr as parse_rrule

MAX_RRULE_LENGTH = 6500
DEFAULT_DTSTART = datetime(2020, 1, 1)  # noqa: DTZ001 - R41: local wall time when DTSTART is absent
COUNT_LIMIT = 100_000
_HORIZON_YEARS = 400  # a rule with no occurrence this long after DTSTART is taken as empty
_MAX_YEAR = 9999
_FIXED_PERIODS = {
    SECONDLY: timedelta(seconds=1),
    MINUTELY: timedelta(minutes=1),
    HOURLY: timedelta(hours=1),
    DAILY: timedelta(days=1),
    WEEKLY: timedelta(weeks=1),
}
# The longest period a rule may step by, like an interval schedule's: INTERVAL at most a century.
_CENTURY = timedelta(days=100 * 365)
_MAX_INTERVALS = {
    **{freq: _CENTURY // period for freq, period in _FIXED_PERIODS.items()},
    MONTHLY: 1200,
    YEARLY: 100,
}
_FREQ_NAMES = {
    SECONDLY: "SECONDLY",
    MINUTELY: "MINUTELY",
    HOURLY: "HOURLY",
    DAILY: "DAILY",
    WEEKLY: "WEEKLY",
    MONTHLY: "MONTHLY",
    YEARLY: "YEARLY",
}
_COUNT_PART = re.compile(r"(^|[;:])COUNT=", re.IGNORECASE)
_UNTIL_PART = re.compile(r"(^|[;:])UNTIL=", re.IGNORECASE)
_NO_ZONES: dict[str, Any] = {}  # every TZID resolves to "no zone": R41 reads all times as local


@dataclass(frozen=True, slots=True)
class Rule:
    """A naive dateutil rule with the facts about it that dateutil keeps private."""

    rule: rrule
    dtstart: datetime
    until: datetime | None
    count: int | None
    freq: int
    interval: int

    def phase_start(self, low: datetime) -> datetime:
        """The latest DTSTART + k*period (k >= 0) not after `low`, or DTSTART if it cannot move."""
        start = self.dtstart
        if low <= start or self.count is not None:
            return start
        period = _FIXED_PERIODS.get(self.freq)
        if period is not None:
            step = period * self.interval
            return start + ((low - start) // step) * step
        if self.freq == MONTHLY and start.day <= 28:
            elapsed = (low.year - start.year) * 12 + low.month - start.month
            return _latest(start, low, elapsed // self.interval, self.interval, _add_months)
        if self.freq == YEARLY and (start.month, start.day) != (2, 29):
            elapsed = low.year - start.year
            return _latest(start, low, elapsed // self.interval, self.interval, _add_years)
        return start


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    return moment.replace(year=moment.year + year, month=month + 1)


def _add_years(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)


def _latest(start: datetime, low: datetime, steps: int, size: int, add: Any) -> datetime:
    for k in (steps, steps - 1):
        if k >= 0:
            moved: datetime = add(start, k * size)
            if moved <= low:
                return moved
    return start


@dataclass(frozen=True, slots=True)
class CompiledRRule:
    rules: tuple[Rule, ...]
    exrules: tuple[Rule, ...]
    rdates: tuple[datetime, ...]
    exdates: tuple[datetime, ...]


def _private(obj: object, name: str) -> Any:
    return getattr(obj, name)


def parse(text: str) -> tuple[list[rrule], list[rrule], list[datetime], list[datetime]]:
    """Rules, exclusion rules, extra dates and excluded dates, all naive; ValueError if unusable."""
    if not isinstance(text, str):
        raise ValueError("Invalid RRule string: expected text")
    if len(text) > MAX_RRULE_LENGTH:
        raise ValueError(
            f'Invalid RRule string "{text[:40]}...": max length is {MAX_RRULE_LENGTH}, '
            f"got {len(text)}"
        )
    for line in text.split():
        if _COUNT_PART.search(line) and _UNTIL_PART.search(line):
            raise ValueError(
                f'Invalid RRule string "{text[:40]}": COUNT and UNTIL cannot be used together'
            )
    try:
        parsed = parse_rrule(
            text, dtstart=DEFAULT_DTSTART, ignoretz=True, tzids=_NO_ZONES, cache=False
        )
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ValueError(f'Invalid RRule string "{text[:40]}": {exc}') from None
    if isinstance(parsed, rrule):
        found: tuple[list[rrule], list[rrule], list[datetime], list[datetime]] = (
            [parsed],
            [],
            [],
            [],
        )
    else:
        found = (
            list(_private(parsed, "_rrule")),
            list(_private(parsed, "_exrule")),
            list(_private(parsed, "_rdate")),
            list(_private(parsed, "_exdate")),
        )
    for each in found[0] + found[1]:
        _check_bounded(each, text)
        interval, freq = _private(each, "_interval"), _private(each, "_freq")
        if interval < 1:
            raise ValueError(f'Invalid RRule string "{text[:40]}": INTERVAL must be at least 1')
        if interval > _MAX_INTERVALS[freq]:
            raise ValueError(
                f'Invalid RRule string "{text[:40]}": INTERVAL must be at most '
                f"{_MAX_INTERVALS[freq]} for FREQ={_FREQ_NAMES[freq]} (100 years)"
            )
    return found


# Occurrences one period of each FREQ can hold at most, before its time of day is multiplied in.
_DAYS_PER_PERIOD = {YEARLY: 366, MONTHLY: 31, WEEKLY: 7}
# The parts of the time of day that a FREQ coarser than them multiplies (dateutil fills a part the
# rule leaves out from DTSTART, which counts as one value).
_TIME_PARTS = ((HOURLY, "_byhour"), (MINUTELY, "_byminute"), (SECONDLY, "_bysecond"))


def _check_bounded(rule: rrule, text: str) -> None:
    """Refuse a COUNT over COUNT_LIMIT: such a rule would be walked from DTSTART on every call."""
    count: int | None = _private(rule, "_count")
    if count is not None and count > COUNT_LIMIT:
        raise ValueError(f'Invalid RRule string "{text[:40]}": COUNT must be at most {COUNT_LIMIT}')


def _setpos_unreachable(rule: rrule) -> bool:
    """Whether a BYSETPOS asks for more occurrences than any period of the FREQ holds: such a
    rule never fires (R42), and dateutil would search period after period for ever."""
    positions: tuple[int, ...] | None = _private(rule, "_bysetpos")
    if not positions:
        return False
    freq: int = _private(rule, "_freq")
    most = _DAYS_PER_PERIOD.get(freq, 1)
    for part_freq, name in _TIME_PARTS:
        if freq < part_freq:  # a coarser FREQ: every value of the part is a candidate
            most *= len(_private(rule, name) or (0,))
    return max(abs(position) for position in positions) > most


_DATE_PARTS = ("bymonth", "bymonthday", "byyearday", "byweekno", "byeaster")


def _no_day_matches(rule: rrule, dtstart: datetime, until: datetime) -> bool:
    """Whether no day up to `until` passes the rule's date parts (BYMONTH, BYMONTHDAY, BYDAY…).

    dateutil walks a rule whose days never match one period at a time, which for a sub-daily
    FREQ takes hours; the same date parts on a YEARLY rule are checked a year at a time. Those
    days are a superset of the rule's (weekdays lose their ordinal), so none means never.
    """
    original: dict[str, Any] = _private(rule, "_original_rule")
    parts = {name: original[name] for name in _DATE_PARTS if original.get(name)}
    if original.get("byweekday"):
        parts["byweekday"] = tuple(getattr(d, "weekday", d) for d in original["byweekday"])
    if not parts:
        return False
    first_day = dtstart.replace(hour=0, minute=0, second=0, microsecond=0)
    days = rrule(YEARLY, dtstart=first_day, until=until, cache=False, **parts)
    return next(iter(days), None) is None


@functools.lru_cache(maxsize=1024)
def compile_rrule(text: str) -> CompiledRRule:
    rules, exrules, rdates, exdates = parse(text)
    return CompiledRRule(
        rules=tuple(prepared for each in rules if (prepared := _prepare(each)) is not None),
        exrules=tuple(prepared for each in exrules if (prepared := _prepare(each)) is not None),
        rdates=tuple(sorted(rdates)),
        exdates=tuple(sorted(exdates)),
    )


def _prepare(rule: rrule) -> Rule | None:
    """`rule` with COUNT turned into UNTIL where feasible; None if it never fires."""
    dtstart: datetime = _private(rule, "_dtstart")
    until: datetime | None = _private(rule, "_until")
    count: int | None = _private(rule, "_count")
    freq: int = _private(rule, "_freq")
    interval: int = _private(rule, "_interval")
    last_year = min(dtstart.year + _HORIZON_YEARS, _MAX_YEAR)
    horizon = datetime(last_year, 12, 31, 23, 59, 59)  # noqa: DTZ001 - naive like the rule
    probe_until = horizon if until is None else min(until, horizon)
    if _setpos_unreachable(rule) or _no_day_matches(rule, dtstart, probe_until):
        return None
    probe = rule.replace(count=None, until=probe_until)
    if count is None:
        if next(iter(probe), None) is None:
            return None
        return Rule(rule, dtstart, until, None, freq, interval)
    head = list(islice(probe, count))  # count <= COUNT_LIMIT, checked by `parse`
    if not head:
        return None
    # The COUNT-th occurrence ends the rule; a rule too sparse to reach it within the horizon
    # ends at the horizon (deployq decision: otherwise every call would walk from DTSTART).
    last = head[-1] if len(head) == count else probe_until
    exact = rule.replace(count=None, until=last)
    return Rule(exact, dtstart, last, None, freq, interval)
