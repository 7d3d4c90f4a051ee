"""Which runs a deployment's schedules call for (R66–R68): stored rows in, planned runs out.

Pure and synchronous, so the rules are tested without services and the same plan serves
`deployment.schedule_runs` and the scheduler; `materialise` does the I/O around it. What a
planned run is made of is storage's `NewRun`, since that is what gets inserted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import uuid_utils

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec, dates
from deployq.scheduling import document
from deployq.scheduling.names import run_name
from deployq.storage.new_runs import NewRun, RunSource

# R66 defaults for `deployment.schedule_runs` (the scheduler passes its own R70 settings).
MAX_SCHEDULED_TIME = timedelta(days=100)
MIN_SCHEDULED_TIME = timedelta(hours=1)
MIN_RUNS = 3
MAX_RUNS = 100

AUTO_SCHEDULED_TAG = "auto-scheduled"
FLOW_LABEL = "deployq.flow.id"
DEPLOYMENT_LABEL = "deployq.deployment.id"

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


def idempotency_key_prefix(deployment_id: UUID | str, schedule_id: UUID | str) -> str:
    """R68's key up to its date, which is the same for every run of a schedule."""
    return f"scheduled {deployment_id} {schedule_id} "


def idempotency_key(deployment_id: UUID | str, schedule_id: UUID | str, date: datetime) -> str:
    """R68: `.isoformat()` of a UTC datetime writes `+00:00` and microseconds only when ≠ 0."""
    return idempotency_key_prefix(deployment_id, schedule_id) + date.astimezone(UTC).isoformat()


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def new_id() -> str:
    """A UUIDv7 (time-ordered, so index inserts stay at the right edge) as a string."""
    return str(uuid_utils.uuid7())


def source(deployment: Row, schedule: Row, spec: ScheduleSpec) -> RunSource:
    deployment_id, flow_id = str(deployment["id"]), str(deployment["flow_id"])
    schedule_id = str(schedule["id"])
    labels = {
        **deployment["labels"],
        FLOW_LABEL: flow_id,
        DEPLOYMENT_LABEL: deployment_id,
    }
    display = schedule["slug"] or _KIND_NAMES[type(spec)]
    return RunSource(
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


def plan_schedule(deployment: Row, schedule: Row, window: Window) -> list[NewRun]:
    """R67–R68 for one schedule. Raises ValueError for a schedule that cannot be computed."""
    spec = document.spec(schedule["schedule"])
    picked = pick_dates(spec, window)
    if not picked:
        return []
    shared = source(deployment, schedule, spec)
    # The picked dates are UTC already: the key's date part is their isoformat.
    prefix = idempotency_key_prefix(shared.deployment_id, schedule["id"])
    return [
        NewRun(new_id(), new_id(), run_name(), date, prefix + date.isoformat(), shared)
        for date in picked
    ]


def plan(deployment: Row, schedules: Iterable[Row], window: Window) -> list[NewRun]:
    """R67: every active schedule independently; inactive ones are skipped."""
    runs: list[NewRun] = []
    for schedule in schedules:
        if schedule["active"]:
            runs.extend(plan_schedule(deployment, schedule, window))
    return runs
