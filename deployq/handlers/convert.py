"""The one place where table rows and wire models meet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from deployq.messages.deployments import Deployment, DeploymentUpserted
from deployq.messages.flows import Flow
from deployq.messages.schedules import (
    CronSchedule,
    DeploymentSchedule,
    IntervalSchedule,
    Schedule,
    ScheduleCreate,
)

Row = Mapping[Any, Any]


def flow(row: Row) -> Flow:
    return Flow.model_validate(dict(row))


def schedule(row: Row) -> DeploymentSchedule:
    return DeploymentSchedule.model_validate(dict(row))


def deployment(row: Row, schedules: Sequence[Row] | None = None) -> Deployment:
    """`row` is a deployment row; its schedules come from the row (reads) or are given (writes)."""
    data = dict(row)
    if schedules is not None:
        data["schedules"] = [dict(s) for s in schedules]
    data.setdefault("work_pool_name", None)
    return Deployment.model_validate(data)


def upserted(row: Row, schedules: Sequence[Row], work_pool_name: str | None) -> DeploymentUpserted:
    data = {**row, "schedules": [dict(s) for s in schedules], "work_pool_name": work_pool_name}
    data["outcome"] = "created" if row["inserted"] else "updated"
    return DeploymentUpserted.model_validate(data)


def _seconds(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def resolve_schedule(given: Schedule, *, now: datetime) -> dict[str, Any]:
    """The stored form of a schedule: every field present (R20–R21, R30, R40).

    An interval's anchor defaults to now (microseconds kept) and is written in the
    schedule's zone; a timezone defaults to UTC, since an RFC 3339 offset names no zone (R21).
    """
    if isinstance(given, IntervalSchedule):
        zone = given.timezone or "UTC"
        anchor = (given.anchor_date or now).astimezone(ZoneInfo(zone))
        return {
            "interval": _seconds(given.interval),
            "anchor_date": anchor.isoformat(),
            "timezone": zone,
        }
    if isinstance(given, CronSchedule):
        return {"cron": given.cron, "timezone": given.timezone or "UTC", "day_or": given.day_or}
    return {"rrule": given.rrule, "timezone": given.timezone or "UTC"}


SCHEDULE_FIELDS = (
    "active",
    "parameters",
    "slug",
    "max_scheduled_runs",
    "max_active_runs",
    "catchup",
)


def schedule_values(given: ScheduleCreate, *, now: datetime) -> dict[str, Any]:
    """Column values for a new schedule row."""
    values = {name: getattr(given, name) for name in SCHEDULE_FIELDS}
    values["schedule"] = resolve_schedule(given.schedule, now=now)
    return values
