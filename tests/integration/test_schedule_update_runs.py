"""What `deployment.schedules.update` does to runs and to the schedule it stores (R63): only the
future auto-scheduled runs go, and a new schedule is resolved again (R20, R30, R40)."""

from __future__ import annotations

from typing import Any

import pytest

from deployq.storage.database import Database
from tests.integration.builders import AUTO_FUTURE_ONLY, existing_runs, surviving_kinds
from tests.integration.runs_support import interval, runs, schedule
from tests.integration.schedules_support import (
    CRON,
    HOUR,
    RRULE,
    T0,
    T2,
    T4,
    add,
    change,
    check_announced,
    events_since,
    listed,
    new_deployment,
    outbox_mark,
    seeded,
    wire_form,
)

# Each case: the schedule sent, and the schedule as stored and returned (R20, R21, R30, R40).
# T2 is 07:20:00.222222 in New York (EST, before the 2032 change on March 14).
RESOLVED_AT_T2 = [
    pytest.param(
        {"interval": 900},
        {"interval": 900, "anchor_date": "2032-03-01T12:20:00.222222Z", "timezone": "UTC"},
        id="interval-defaults",
    ),
    pytest.param(
        {"interval": 900, "timezone": "America/New_York"},
        {
            "interval": 900,
            "anchor_date": "2032-03-01T07:20:00.222222-05:00",
            "timezone": "America/New_York",
        },
        id="interval-timezone-without-anchor",
    ),
    pytest.param(
        {"interval": 90.5, "anchor_date": "2031-07-04T09:00:00-05:00"},
        {"interval": 90.5, "anchor_date": "2031-07-04T14:00:00Z", "timezone": "UTC"},
        id="interval-offset-names-no-zone",
    ),
    pytest.param(
        {
            "interval": 86400,
            "anchor_date": "2031-07-04T13:00:00Z",
            "timezone": "America/New_York",
        },
        {
            "interval": 86400,
            "anchor_date": "2031-07-04T09:00:00-04:00",
            "timezone": "America/New_York",
        },
        id="interval-anchor-read-in-the-zone",
    ),
    pytest.param(
        {
            "interval": 86400,
            "anchor_date": "2031-11-02T06:30:00Z",
            "timezone": "America/New_York",
        },
        {
            "interval": 86400,
            "anchor_date": "2031-11-02T01:30:00-05:00",
            "timezone": "America/New_York",
        },
        id="interval-anchor-in-the-repeated-hour",
    ),
    pytest.param(CRON, {**CRON, "timezone": "UTC", "day_or": True}, id="cron-defaults"),
    pytest.param(
        {"cron": "0 0 8-14 * 5", "timezone": "Europe/Paris", "day_or": False},
        {"cron": "0 0 8-14 * 5", "timezone": "Europe/Paris", "day_or": False},
        id="cron-given",
    ),
    pytest.param(RRULE, {**RRULE, "timezone": "UTC"}, id="rrule-defaults"),
    pytest.param(
        {**RRULE, "timezone": "Asia/Tokyo"}, {**RRULE, "timezone": "Asia/Tokyo"}, id="rrule-given"
    ),
]


async def test_r63_deletes_only_the_future_auto_runs(db: Database) -> None:
    dep, kinds = await seeded(db, T2)

    await change(db, dep.id, dep.schedules[0].id, active=False, now=T2)

    assert await surviving_kinds(db, kinds) == set(kinds) - AUTO_FUTURE_ONLY


async def test_r63_runs_of_schedule_runs_in_the_past_stay_and_future_ones_go(
    db: Database,
) -> None:
    dep = await new_deployment(db, schedules=[interval(3600, T0 - 6 * HOUR)])
    made = await schedule(db, dep.id, T2, start_time=(T2 - 3 * HOUR).isoformat(), min_runs=6)
    when = {r["id"]: r["next_scheduled_start_time"] for r in await runs(db, dep.id)}
    past = {run_id for run_id in made if when[run_id] <= T2}
    future = {run_id: when[run_id] for run_id in made if when[run_id] > T2}
    assert len(past) == 3
    assert len(future) == 3
    mark = await outbox_mark(db)

    await change(db, dep.id, dep.schedules[0].id, parameters={"p": 1}, now=T2)

    assert set(await existing_runs(db, made)) == past
    check_announced(await events_since(db, mark, dep.id), dep.id, now=T2, deleted=future)


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r63_a_new_schedule_is_resolved_again(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(
        db,
        schedules=[
            {
                "schedule": {
                    "interval": 60,
                    "anchor_date": "2030-01-01T00:00:00Z",
                    "timezone": "Asia/Kolkata",
                }
            }
        ],
    )

    await change(db, dep.id, dep.schedules[0].id, schedule=given, now=T2)

    [after] = await listed(db, dep.id)
    assert after.schedule.model_dump(mode="json") == resolved


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r20_r30_r40_created_schedules_are_stored_resolved(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(db)

    [made] = await add(db, dep.id, {"schedule": given}, now=T2)

    assert made.schedule.model_dump(mode="json") == resolved
    [stored] = await listed(db, dep.id)
    assert stored.schedule.model_dump(mode="json") == resolved


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r63_a_schedule_read_back_and_sent_again_changes_nothing_but_updated(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(db)
    await add(
        db,
        dep.id,
        {"schedule": given, "slug": "s", "parameters": {"p": [1]}, "max_scheduled_runs": 4},
        now=T2,
    )
    [before] = await listed(db, dep.id)

    await change(db, dep.id, before.id, **wire_form(before), now=T4)

    [after] = await listed(db, dep.id)
    assert after.updated == T4
    assert after == before.model_copy(update={"updated": T4})
    assert wire_form(after) == wire_form(before)
    assert after.schedule.model_dump(mode="json") == resolved
