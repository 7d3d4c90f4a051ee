"""The three schedule shapes as frozen values, so the date maths never sees wire or table types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

MAX_ITERATIONS = 1000
"""R12: candidates examined per call, and so also the most dates one call returns."""


@dataclass(frozen=True, slots=True)
class IntervalSpec:
    """R20-R22. `timezone` is already resolved by the caller (R21)."""

    interval: timedelta
    anchor_date: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class CronSpec:
    """R30-R33."""

    cron: str
    timezone: str = "UTC"
    day_or: bool = True


@dataclass(frozen=True, slots=True)
class RRuleSpec:
    """R40-R43."""

    rrule: str
    timezone: str = "UTC"


ScheduleSpec: TypeAlias = IntervalSpec | CronSpec | RRuleSpec
