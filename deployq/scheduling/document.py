"""The stored schedule document: how a schedule is written to `deployment_schedule.schedule` and
read back for the date maths. One module writes and parses it, so the two cannot disagree.

The document is the schedule *resolved* (R20–R21, R30, R40): every field present, so reading a
schedule back and sending it again changes nothing (CONTRACT §2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from deployq.messages.schedules import CronSchedule, IntervalSchedule, Schedule
from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec

DEFAULT_TIMEZONE = "UTC"


def _seconds(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def resolve(given: Schedule, *, now: datetime) -> dict[str, Any]:
    """The document to store for a schedule as it arrived.

    An interval's anchor defaults to now (microseconds kept) and is written in the schedule's
    zone; a timezone defaults to UTC, since an RFC 3339 offset names no zone (R21).
    """
    if isinstance(given, IntervalSchedule):
        zone = given.timezone or DEFAULT_TIMEZONE
        anchor = (given.anchor_date or now).astimezone(ZoneInfo(zone))
        return {
            "interval": _seconds(given.interval),
            "anchor_date": anchor.isoformat(),
            "timezone": zone,
        }
    if isinstance(given, CronSchedule):
        return {
            "cron": given.cron,
            "timezone": given.timezone or DEFAULT_TIMEZONE,
            "day_or": given.day_or,
        }
    return {"rrule": given.rrule, "timezone": given.timezone or DEFAULT_TIMEZONE}


def spec(document: Mapping[str, Any]) -> ScheduleSpec:
    """The date-maths value of a stored document."""
    zone = document.get("timezone") or DEFAULT_TIMEZONE
    if "interval" in document:
        anchor = datetime.fromisoformat(document["anchor_date"])
        return IntervalSpec(timedelta(seconds=document["interval"]), anchor, zone)
    if "cron" in document:
        return CronSpec(document["cron"], zone, bool(document.get("day_or", True)))
    if "rrule" in document:
        return RRuleSpec(document["rrule"], zone)
    raise ValueError(f"not a schedule document: {dict(document)!r}")
