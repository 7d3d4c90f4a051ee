"""The one place where table rows and wire models meet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from deployq.messages.deployments import Deployment, DeploymentUpserted
from deployq.messages.flows import Flow
from deployq.messages.runs import FlowRun
from deployq.messages.schedules import (
    CronSchedule,
    DeploymentSchedule,
    IntervalSchedule,
    Schedule,
    ScheduleCreate,
)
from deployq.messages.work_pools import WorkPool
from deployq.messages.work_queues import WorkQueue

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


def flow_run_data(row: Row) -> dict[str, Any]:
    """A run row joined with its state row (`state_timestamp`, `state_message`,
    `state_scheduled_time`) as the FlowRun object: the one shape that both the reply model and
    the `flow_run.created` event are made from, so they cannot drift apart."""
    state_id = row["state_id"]
    state = None
    if state_id is not None and row["state_timestamp"] is not None:
        state = {
            "id": state_id,
            "type": row["state_type"],
            "name": row["state_name"],
            "timestamp": row["state_timestamp"],
            "message": row["state_message"],
            "state_details": {"scheduled_time": row["state_scheduled_time"]},
        }
    return {
        "id": row["id"],
        "created": row["created"],
        "updated": row["updated"],
        "name": row["name"],
        "flow_id": row["flow_id"],
        "deployment_id": row["deployment_id"],
        "deployment_version": row["deployment_version"],
        "work_queue_name": row["work_queue_name"],
        "work_queue_id": row["work_queue_id"],
        "parameters": row["parameters"],
        "idempotency_key": row["idempotency_key"],
        "tags": row["tags"],
        "labels": row["labels"],
        "auto_scheduled": row["auto_scheduled"],
        "run_count": row["run_count"],
        "state_type": row["state_type"],
        "state_name": row["state_name"],
        "expected_start_time": row["expected_start_time"],
        "next_scheduled_start_time": row["next_scheduled_start_time"],
        "infrastructure_document_id": row["infrastructure_document_id"],
        "created_by": row["created_by"],
        "state_id": state_id,
        "state": state,
    }


def flow_run(row: Row) -> FlowRun:
    return FlowRun.model_validate(flow_run_data(row))


def flow_run_json(row: Row) -> bytes:
    """The FlowRun JSON without building the model: the event path makes thousands per pass.
    Instants are UTC, written with `Z` as the reply model writes them."""
    return orjson.dumps(flow_run_data(row), option=orjson.OPT_UTC_Z)


def work_pool(row: Row) -> WorkPool:
    return WorkPool.model_validate(dict(row))


def work_queue(row: Row) -> WorkQueue:
    """`row` is a queue row carrying its pool's name (`work_pool_name`)."""
    return WorkQueue.model_validate(dict(row))
