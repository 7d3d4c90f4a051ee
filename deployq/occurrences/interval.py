"""Interval schedules (R20-R23): occurrence k is computed directly from the anchor, never walked to.

R22 splits the interval into D whole days and S exact seconds:
`t_k = R14(anchor wall time + k*D days) + k*S`. With D = 0, or in a zone without transitions, that
is plain arithmetic (`anchor + k*interval`). Otherwise k is estimated from elapsed time and nudged
by at most a couple of steps, because offsets differ by less than a day while a step is at least
one. Occurrence 0 is the anchor instant itself, even when the anchor is the second 01:30 of a
fall-back night (re-resolving its wall time would move it an hour earlier).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from deployq.occurrences.specs import MAX_ITERATIONS, IntervalSpec
from deployq.occurrences.zones import Zone, in_zone, instant, local_wall, utc_of, zone

_ZERO = timedelta(0)
_NUDGES = 8  # far more than the one or two steps an offset change can require


def check_interval(interval: timedelta) -> timedelta:
    """Return `interval` if it is a positive duration (R20)."""
    if not isinstance(interval, timedelta) or interval <= _ZERO:
        raise ValueError("interval must be positive")
    return interval


def interval_dates(
    spec: IntervalSpec, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """R23 for UTC `start`/`end`; at most `n` (<= MAX_ITERATIONS) dates."""
    step = check_interval(spec.interval)
    z = zone(spec.timezone)
    anchor = instant(spec.anchor_date, z)
    if step.days == 0 or z.fixed is not None:
        return _elapsed(anchor, step, z, start=start, end=end, n=n)
    return _calendar(anchor, step, z, start=start, end=end, n=n)


def _elapsed(
    anchor: datetime,
    step: timedelta,
    z: Zone,
    *,
    start: datetime,
    end: datetime | None,
    n: int,
) -> list[datetime]:
    """`t_k = anchor + k*step`, exact to the microsecond."""
    k = -((anchor - start) // step)  # ceil((start - anchor) / step) in whole microseconds
    out: list[datetime] = []
    try:
        moment = anchor + k * step
        while len(out) < n:
            if end is not None and moment > end:
                break
            out.append(moment.astimezone(z.tz))
            moment += step
    except OverflowError:  # ran past year 9999
        pass
    return out


def _calendar(
    anchor: datetime,
    step: timedelta,
    z: Zone,
    *,
    start: datetime,
    end: datetime | None,
    n: int,
) -> list[datetime]:
    """Whole days on the local calendar (R14 per day) plus exact seconds, in a zone with DST.

    Works on naive UTC times inside; only the returned dates are made aware.
    """
    days = timedelta(days=step.days)
    rest = step - days
    wall = local_wall(anchor, z)
    origin = anchor.replace(tzinfo=None)
    low = start.replace(tzinfo=None)
    high = end.replace(tzinfo=None) if end is not None else None

    def occurrence(k: int) -> datetime:
        if k == 0:
            return origin
        return utc_of(wall + k * days, z) + k * rest

    def before_low(k: int) -> bool:
        try:
            return occurrence(k) < low
        except OverflowError:  # before year 1 or after year 9999
            return k < 0

    k = -((origin - low) // step)
    for _ in range(_NUDGES):
        if not before_low(k):
            break
        k += 1
    for _ in range(_NUDGES):
        if before_low(k - 1):
            break
        k -= 1

    found: list[datetime] = []
    try:
        for index in range(k, k + MAX_ITERATIONS):
            moment = occurrence(index)
            if high is not None and moment > high:
                break
            if moment < low or (found and moment <= found[-1]):
                continue  # a day swallowed whole by a transition repeats the previous instant
            found.append(moment)
            if len(found) >= n:
                break
    except OverflowError:
        pass
    return in_zone(found, z)
