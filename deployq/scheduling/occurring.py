"""The occurrences of stored schedules over a range, for the commands that show or back-fill
them (CONTRACT §8). Only `occurrences.dates` computes dates, exactly as planning calls it, so a
preview, a backfill, `schedule_runs` and the scheduler always agree on the instants (R13)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from deployq.occurrences import MAX_ITERATIONS, ScheduleSpec, dates
from deployq.scheduling import document

# Grid invariance (R13) makes the dates after the last one found the dates from just after it.
_NEXT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One instant of one schedule, in the schedule's zone (R11); `schedule_id` is None for a
    schedule that is not stored."""

    schedule_id: UUID | None
    at: datetime

    def key(self) -> tuple[datetime, str]:
        """Time order, ties by schedule id (CONTRACT §8)."""
        return (self.at, "" if self.schedule_id is None else str(self.schedule_id))


def upcoming(
    spec: ScheduleSpec, schedule_id: UUID | None, start: datetime, end: datetime | None, n: int
) -> list[Occurrence]:
    """R10's `dates(start, end, n)` of one schedule (n ≤ MAX_ITERATIONS)."""
    return [Occurrence(schedule_id, at) for at in dates(spec, start, end, n)]


def merged(
    schedules: Iterable[Mapping[Any, Any]], start: datetime, end: datetime | None, n: int
) -> list[Occurrence]:
    """The first `n` occurrences of stored schedules rows (`id`, `schedule`), merged in time
    order. Raises ValueError for a stored schedule that cannot be computed."""
    found: list[Occurrence] = []
    for row in schedules:
        found.extend(upcoming(document.spec(row["schedule"]), row["id"], start, end, n))
    return sorted(found, key=Occurrence.key)[:n]


class TooMany(Exception):
    """The range holds more occurrences than the caller allows."""


def within(
    spec: ScheduleSpec, schedule_id: UUID, start: datetime, end: datetime, *, most: int
) -> list[Occurrence]:
    """Every occurrence with start ≤ t ≤ end: R10 without its `n` default and without R12's
    per-call cap, walked one capped call after another. Raises TooMany past `most`."""
    found: list[Occurrence] = []
    low = start
    while True:
        page = dates(spec, low, end, MAX_ITERATIONS)
        found.extend(Occurrence(schedule_id, at) for at in page)
        if len(found) > most:
            raise TooMany(most)
        if not page:
            return found
        low = page[-1] + _NEXT
