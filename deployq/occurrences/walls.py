"""Turns ascending local wall-clock candidates (cron, rrule) into the instants `dates()` returns.

Applies R14 to each candidate, keeps those in [start, end], de-duplicates in UTC (R10) and stops
after MAX_ITERATIONS candidates (R12). Wall times map to instants in order, except those inside a
spring-forward gap: they are pushed later by the gap and can overtake the candidates that follow,
so once one is seen the result is sorted and the stopping rule waits for a candidate whose
instant bounds everything still to come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from deployq.occurrences.specs import MAX_ITERATIONS
from deployq.occurrences.zones import Zone, in_zone, offset_marking_gaps


def collect(
    walls: Iterable[datetime], z: Zone, start: datetime, end: datetime | None, n: int
) -> list[datetime]:
    """At most `n` instants from `walls`, ascending, as aware datetimes in the zone.

    Works on naive UTC times inside (aware arithmetic costs several times more per candidate).
    """
    low = start.replace(tzinfo=None)
    high = end.replace(tzinfo=None) if end is not None else None
    found: list[datetime] = []
    examined = 0
    shuffled = False
    for wall in walls:
        offset, in_gap = offset_marking_gaps(wall, z)
        moment = wall - offset
        if not in_gap and high is not None and moment > high:
            break  # a candidate outside any gap bounds every later one from below
        if moment < low:
            continue
        examined += 1
        if high is None or moment <= high:
            found.append(moment)
        if in_gap:
            shuffled = True
        elif len(found) >= n and (not shuffled or _settled(found, moment, n)):
            break
        if examined >= MAX_ITERATIONS:
            break
    if shuffled:
        found = sorted(set(found))
    return in_zone(found[:n], z)


def _settled(found: list[datetime], bound: datetime, n: int) -> bool:
    """Whether `n` distinct instants found so far are <= `bound`, which no later one undercuts."""
    return len({moment for moment in found if moment <= bound}) >= n
