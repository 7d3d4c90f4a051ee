"""What the planning tests share: a fixed start and interval schedules anchored just after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deployq.occurrences import IntervalSpec

START = datetime(2024, 1, 1, tzinfo=UTC)
JUST_AFTER = START + timedelta(seconds=1)


def every(seconds: float, anchor: datetime = JUST_AFTER, zone: str = "UTC") -> IntervalSpec:
    return IntervalSpec(timedelta(seconds=seconds), anchor, zone)


MINUTE, HOUR, DAY = 60, 3600, 86400
