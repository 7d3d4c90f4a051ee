"""Instants outside 0001-01-02T00:00:00Z … 9000-01-01T00:00:00Z are refused when decoded: beyond
them, adding a window or an interval, or showing the instant in a time zone, leaves the range
of Python's datetime."""

from __future__ import annotations

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import (
    Case,
    World,
    assert_refused,
    interval,
    new_deployment,
    new_schedule,
    schedule_update,
)

LATE = "9999-12-31T23:00:00Z"  # + 100 days is past year 9999
LATE_WEST = "9999-12-31T23:00:00-14:00"  # year 10000 in UTC
EARLY_EAST = "0001-01-01T00:00:00+14:00"  # year 0 in UTC
INSTANTS = "between 0001-01-02T00:00:00Z and 9000-01-01T00:00:00Z"

CASES: dict[str, Case] = {
    # Instants: inside what the date maths (and PostgreSQL) can hold.
    "start_time 9999-12-31": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "start_time": LATE},
        ["start_time"],
        INSTANTS,
    ),
    "end_time year 10000 in UTC": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "end_time": LATE_WEST},
        ["end_time"],
        INSTANTS,
    ),
    "start_time year 0 in UTC": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "start_time": EARLY_EAST},
        ["start_time"],
        INSTANTS,
    ),
    "anchor_date year 0 in UTC": Case(
        "deployment.create",
        lambda w: new_deployment(w, schedules=[interval(60, anchor_date=EARLY_EAST)]),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date year 10000 in UTC, schedules.create": Case(
        "deployment.schedules.create",
        lambda w: new_schedule(w, **interval(60, anchor_date=LATE_WEST)),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date year 0 in UTC, schedules.update": Case(
        "deployment.schedules.update",
        lambda w: schedule_update(w, **interval(60, anchor_date=EARLY_EAST)),
        ["schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date at year 1 shown in New York": Case(
        "deployment.create",
        lambda w: new_deployment(
            w,
            schedules=[
                interval(60, anchor_date="0001-01-01T00:00:00Z", timezone="America/New_York")
            ],
        ),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "flow_run.list scheduled_after year 0 in UTC": Case(
        "flow_run.list", lambda w: {"scheduled_after": EARLY_EAST}, ["scheduled_after"], INSTANTS
    ),
    "flow_run.count scheduled_before year 10000 in UTC": Case(
        "flow_run.count",
        lambda w: {"scheduled_before": LATE_WEST},
        ["scheduled_before"],
        INSTANTS,
    ),
    "deployment.list expected_start_time filter": Case(
        "deployment.list",
        lambda w: {"flow_runs": {"expected_start_time": {"before_": LATE_WEST}}},
        ["flow_runs", "expected_start_time", "before_"],
        INSTANTS,
    ),
    "deployment.count task run start_time filter": Case(
        "deployment.count",
        lambda w: {"task_runs": {"start_time": {"after_": EARLY_EAST}}},
        ["task_runs", "start_time", "after_"],
        INSTANTS,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_is_a_validation_error_naming_the_field(
    db: Database, world: World, case: Case
) -> None:
    await assert_refused(db, world, case)
