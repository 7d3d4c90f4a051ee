"""`dates()`: the one entry point, applying the rules common to every schedule (R10-R12)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from deployq.occurrences.cron import cron_dates
from deployq.occurrences.cronfields import compile_cron
from deployq.occurrences.interval import check_interval, interval_dates
from deployq.occurrences.rrule import rrule_dates
from deployq.occurrences.rrulephase import compile_rrule
from deployq.occurrences.specs import (
    MAX_ITERATIONS,
    CronSpec,
    IntervalSpec,
    RRuleSpec,
    ScheduleSpec,
)
from deployq.occurrences.zones import instant, zone


def dates(
    spec: ScheduleSpec, start: datetime, end: datetime | None = None, n: int | None = None
) -> list[datetime]:
    """The instants t with start <= t (<= end), ascending, at most n of them (R10).

    `n` defaults to MAX_ITERATIONS when `end` is given, else 1, and never exceeds MAX_ITERATIONS
    (R12); n <= 0 gives []. Naive `start`/`end` are wall-clock times in the schedule's zone (R11).
    Results are aware datetimes in the schedule's zone, distinct as instants. Raises ValueError
    for a schedule deployq cannot use (unknown timezone, bad cron or rrule, interval <= 0).
    """
    if n is None:
        n = MAX_ITERATIONS if end is not None else 1
    n = min(n, MAX_ITERATIONS)
    compute = _check(spec)
    z = zone(spec.timezone)
    low = instant(start, z)
    high = instant(end, z) if end is not None else None
    if n <= 0 or (high is not None and high < low):
        return []
    return compute(spec, low, high, n)


def _check(spec: ScheduleSpec) -> Callable[[Any, datetime, datetime | None, int], list[datetime]]:
    """Validate `spec` (cached for cron and rrule) and pick its calculation."""
    if isinstance(spec, IntervalSpec):
        check_interval(spec.interval)
        return interval_dates
    if isinstance(spec, CronSpec):
        compile_cron(spec.cron, spec.day_or)
        return cron_dates
    if isinstance(spec, RRuleSpec):
        compile_rrule(spec.rrule)
        return rrule_dates
    raise TypeError(f"not a schedule: {spec!r}")
