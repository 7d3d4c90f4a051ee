"""Slow, obviously-correct versions of the rules, to check the fast code against.

Each walks the schedule the naive way: every interval occurrence from a k range computed from
the formula in R22, every croniter match, every dateutil occurrence from the rule's own DTSTART,
then applies R14 with zoneinfo (fold=0), filters, de-duplicates in UTC and sorts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from dateutil.rrule import rrule, rruleset, rrulestr

from deployq.occurrences import IntervalSpec

_SLACK = timedelta(days=2)


def r14(wall: datetime, zone: str) -> datetime:
    return wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def _finish(found: set[datetime], zone: str, n: int) -> list[datetime]:
    return [moment.astimezone(ZoneInfo(zone)) for moment in sorted(found)[:n]]


def interval_oracle(
    spec: IntervalSpec, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """R22 occurrence by occurrence over a generous k range."""
    tz = ZoneInfo(spec.timezone)
    anchor = spec.anchor_date.astimezone(UTC)
    wall = spec.anchor_date.astimezone(tz).replace(tzinfo=None, fold=0)
    days = timedelta(days=spec.interval.days)
    rest = spec.interval - days
    centre = (start - anchor) // spec.interval
    found: set[datetime] = set()
    for k in range(centre - 3, centre + n + 4):
        # Whole days move the wall clock (R14 then places it); without them there is no wall
        # arithmetic at all, so an anchor in a repeated hour keeps its own instant.
        if k == 0 or not days:
            moment = anchor + k * rest
        else:
            moment = r14(wall + k * days, spec.timezone) + k * rest
        if moment >= start and (end is None or moment <= end):
            found.add(moment)
    return _finish(found, spec.timezone, n)


def _walls_until_settled(
    walls: Iterator[datetime], zone: str, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """Collect until a wall time lies two days past `end` or past the n-th instant so far."""
    tz = ZoneInfo(zone)
    found: set[datetime] = set()
    stop = end.astimezone(tz).replace(tzinfo=None) + _SLACK if end is not None else None
    nth: datetime | None = None
    for wall in walls:
        if stop is not None and wall > stop:
            break
        moment = r14(wall, zone)
        if moment >= start and (end is None or moment <= end) and moment not in found:
            found.add(moment)
            if len(found) >= n and (nth is None or moment < nth):
                nth = sorted(found)[n - 1]
                bound = nth.astimezone(tz).replace(tzinfo=None) + _SLACK
                stop = bound if stop is None else min(stop, bound)
    return _finish(found, zone, n)


def cron_oracle(
    expression: str, day_or: bool, zone: str, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """croniter itself, on naive local times from a day before `start`."""
    low = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None) - timedelta(days=1)
    iterator = croniter(expression, low, day_or=day_or)
    walls = iter(lambda: iterator.get_next(datetime), None)
    return _walls_until_settled(walls, zone, start, end, n)


def rrule_oracle(
    text: str, zone: str, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """dateutil from the rule's own DTSTART (no phase shift), naive."""
    rule: rrule | rruleset = rrulestr(
        text,
        dtstart=datetime(2020, 1, 1),  # noqa: DTZ001 - R41's local default
        ignoretz=True,
        tzids={},
    )
    low = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None) - timedelta(days=1)
    return _walls_until_settled(rule.xafter(low, inc=True), zone, start, end, n)
