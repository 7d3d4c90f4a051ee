"""Which runs a deployment's schedules call for (R66–R68): stored rows in, planned runs out.

Pure and synchronous, so the rules are tested without services and the same plan serves
`deployment.schedule_runs` and the scheduler; `materialise` does the I/O around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import uuid_utils

from deployq.names import run_name
from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec, dates

# R66 defaults for `deployment.schedule_runs` (the scheduler passes its own R70 settings).
MAX_SCHEDULED_TIME = timedelta(days=100)
MIN_SCHEDULED_TIME = timedelta(hours=1)
MIN_RUNS = 3
MAX_RUNS = 100

AUTO_SCHEDULED_TAG = "auto-scheduled"
FLOW_LABEL = "deployq.flow.id"
DEPLOYMENT_LABEL = "deployq.deployment.id"
SCHEDULED = "SCHEDULED"
SCHEDULED_NAME = "Scheduled"
SCHEDULED_MESSAGE = "Flow run scheduled"

_KIND_NAMES: dict[type[Any], str] = {
    IntervalSpec: "IntervalSchedule",
    CronSpec: "CronSchedule",
    RRuleSpec: "RRuleSchedule",
}

Row = Mapping[Any, Any]


@dataclass(frozen=True, slots=True)
class Window:
    """The bounds of one planning call (R66–R67)."""

    start: datetime
    end: datetime
    min_time: timedelta = MIN_SCHEDULED_TIME
    min_runs: int = MIN_RUNS
    max_runs: int = MAX_RUNS

    @classmethod
    def of(
        cls,
        start: datetime,
        end: datetime | None = None,
        *,
        min_time: timedelta | None = None,
        min_runs: int | None = None,
        max_runs: int | None = None,
    ) -> Window:
        """R66: whatever is not given takes the spec's default; `end` counts from `start`."""
        return cls(
            start=start,
            end=end if end is not None else start + MAX_SCHEDULED_TIME,
            min_time=MIN_SCHEDULED_TIME if min_time is None else min_time,
            min_runs=MIN_RUNS if min_runs is None else min_runs,
            max_runs=MAX_RUNS if max_runs is None else max_runs,
        )


def schedule_spec(document: Row) -> ScheduleSpec:
    """The date-maths value of a stored (resolved) schedule document (R20, R30, R40)."""
    zone = document.get("timezone") or "UTC"
    if "interval" in document:
        anchor = datetime.fromisoformat(document["anchor_date"])
        return IntervalSpec(timedelta(seconds=document["interval"]), anchor, zone)
    if "cron" in document:
        return CronSpec(document["cron"], zone, bool(document.get("day_or", True)))
    if "rrule" in document:
        return RRuleSpec(document["rrule"], zone)
    raise ValueError(f"not a schedule document: {dict(document)!r}")


def pick_dates(spec: ScheduleSpec, window: Window) -> list[datetime]:
    """R67: keep dates in order until min_runs are kept and start + min_time is reached.

    `dates()` already bounds by start, end and max_runs, so end beats min_runs and max_runs
    beats min_time. Dates come back in UTC, the form they are stored and keyed in.
    """
    horizon = window.start + window.min_time
    kept: list[datetime] = []
    for date in dates(spec, window.start, window.end, n=window.max_runs):
        kept.append(date.astimezone(UTC))
        if len(kept) >= window.min_runs and date >= horizon:
            break
    return kept


def idempotency_key(deployment_id: UUID | str, schedule_id: UUID | str, date: datetime) -> str:
    """R68: `.isoformat()` of a UTC datetime writes `+00:00` and microseconds only when ≠ 0."""
    return f"scheduled {deployment_id} {schedule_id} {date.astimezone(UTC).isoformat()}"


@dataclass(frozen=True, slots=True)
class Source:
    """What every run of one schedule shares (R68): computed once per schedule, not per run.

    Ids here and in `PlannedRun` are canonical UUID strings: they only ever go out as text
    (JSON events, routing keys, array parameters), and a pass handles 100,000 of them; a new
    id as text costs 0.2 µs, a `uuid.UUID` made and later printed about 2 µs.
    """

    schedule_id: str
    flow_id: str
    deployment_id: str
    deployment_version: str | None
    work_queue_name: str | None
    work_queue_id: str | None
    parameters: dict[str, Any]
    tags: list[str]
    labels: dict[str, Any]
    infrastructure_document_id: str | None
    created_by: dict[str, Any]


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def new_id() -> str:
    """A UUIDv7 (time-ordered, so index inserts stay at the right edge) as a string."""
    return str(uuid_utils.uuid7())


def source(deployment: Row, schedule: Row, spec: ScheduleSpec) -> Source:
    deployment_id, flow_id = str(deployment["id"]), str(deployment["flow_id"])
    schedule_id = str(schedule["id"])
    labels = {
        **deployment["labels"],
        FLOW_LABEL: flow_id,
        DEPLOYMENT_LABEL: deployment_id,
    }
    display = schedule["slug"] or _KIND_NAMES[type(spec)]
    return Source(
        schedule_id=schedule_id,
        flow_id=flow_id,
        deployment_id=deployment_id,
        deployment_version=deployment["version"],
        work_queue_name=deployment["work_queue_name"],
        work_queue_id=_text(deployment["work_queue_id"]),
        parameters={**deployment["parameters"], **schedule["parameters"]},
        tags=[AUTO_SCHEDULED_TAG, *deployment["tags"]],
        labels=labels,
        infrastructure_document_id=_text(deployment["infrastructure_document_id"]),
        created_by={"id": schedule_id, "type": "SCHEDULE", "display_value": display},
    )


@dataclass(frozen=True, slots=True)
class PlannedRun:
    id: str
    state_id: str
    name: str
    scheduled_time: datetime
    idempotency_key: str
    source: Source

    def row(self, now: datetime) -> dict[str, Any]:
        """The run as its stored row joined with its state row (the shape reads return)."""
        s = self.source
        return {
            "id": self.id,
            "created": now,
            "updated": now,
            "name": self.name,
            "flow_id": s.flow_id,
            "deployment_id": s.deployment_id,
            "deployment_version": s.deployment_version,
            "work_queue_name": s.work_queue_name,
            "work_queue_id": s.work_queue_id,
            "parameters": s.parameters,
            "idempotency_key": self.idempotency_key,
            "tags": s.tags,
            "labels": s.labels,
            "auto_scheduled": True,
            "run_count": 0,
            "state_id": self.state_id,
            "state_type": SCHEDULED,
            "state_name": SCHEDULED_NAME,
            "expected_start_time": self.scheduled_time,
            "next_scheduled_start_time": self.scheduled_time,
            "infrastructure_document_id": s.infrastructure_document_id,
            "created_by": s.created_by,
            "schedule_id": s.schedule_id,
            "state_timestamp": now,
            "state_message": SCHEDULED_MESSAGE,
            "state_scheduled_time": self.scheduled_time,
        }


def plan_schedule(deployment: Row, schedule: Row, window: Window) -> list[PlannedRun]:
    """R67–R68 for one schedule. Raises ValueError for a schedule that cannot be computed."""
    spec = schedule_spec(schedule["schedule"])
    picked = pick_dates(spec, window)
    if not picked:
        return []
    shared = source(deployment, schedule, spec)
    prefix = f"scheduled {shared.deployment_id} {shared.schedule_id} "
    return [
        PlannedRun(new_id(), new_id(), run_name(), date, prefix + date.isoformat(), shared)
        for date in picked
    ]


def plan(deployment: Row, schedules: Iterable[Row], window: Window) -> list[PlannedRun]:
    """R67: every active schedule independently; inactive ones are skipped."""
    runs: list[PlannedRun] = []
    for schedule in schedules:
        if schedule["active"]:
            runs.extend(plan_schedule(deployment, schedule, window))
    return runs
