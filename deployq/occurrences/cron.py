"""Cron schedules (R31-R33): matching local wall-clock minutes, mapped to instants by R14."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime, timedelta

from deployq.occurrences.cronfields import CronFields, compile_cron
from deployq.occurrences.specs import CronSpec
from deployq.occurrences.walls import collect
from deployq.occurrences.zones import wall_ceiling, wall_floor, zone

_MINUTE = timedelta(minutes=1)
_LAST_YEAR = 9999


def cron_dates(spec: CronSpec, start: datetime, end: datetime | None, n: int) -> list[datetime]:
    """R31-R33 for UTC `start`/`end`; at most `n` (<= MAX_ITERATIONS) dates."""
    fields = compile_cron(spec.cron, spec.day_or)
    z = zone(spec.timezone)
    if not fields.repeats:
        return []
    low = wall_floor(start, z)
    high = wall_ceiling(end, z) if end is not None else None
    return collect(matching_walls(fields, low, high), z, start, end, n)


def matching_walls(
    fields: CronFields, low: datetime, high: datetime | None = None
) -> Iterator[datetime]:
    """Ascending naive wall times matching `fields`, from the first whole minute >= `low`.

    Stops after `high` or at the end of year 9999. A start with a sub-second part after a match
    skips that match (R33), since the first whole minute is then the next one.
    """
    first = low.replace(second=0, microsecond=0)
    if first < low:
        first += _MINUTE
    minutes, hours = fields.minutes, fields.hours
    year, month = first.year, first.month
    last_year = min(high.year, _LAST_YEAR) if high is not None else _LAST_YEAR
    while year <= last_year:
        for day in fields.month_days(year, month):
            if (year, month) == (first.year, first.month) and day <= first.day:
                if day < first.day:
                    continue
                walls = _first_day(year, month, day, fields, first)
            else:
                walls = (
                    datetime(year, month, day, h, m)  # noqa: DTZ001 - local wall time, R14 maps it
                    for h in hours
                    for m in minutes
                )
            for wall in walls:
                if high is not None and wall > high:
                    return
                yield wall
        month += 1
        if month > 12:
            month = 1
            year += 1


def _first_day(
    year: int, month: int, day: int, fields: CronFields, first: datetime
) -> Iterator[datetime]:
    minutes = fields.minutes
    for hour in fields.hours[bisect_left(fields.hours, first.hour) :]:
        start = bisect_left(minutes, first.minute) if hour == first.hour else 0
        for minute in minutes[start:]:
            yield datetime(year, month, day, hour, minute)  # noqa: DTZ001 - local wall time
