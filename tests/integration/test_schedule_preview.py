"""`deployment.schedules.preview` against PostgreSQL (CONTRACT §8): the instants, their order,
and that they are exactly those `deployment.schedule_runs` creates runs for (R13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import pause_deployment
from deployq.messages.deployments import PauseDeployment
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, runs_of, write
from tests.integration.controls_support import events, preview
from tests.integration.runs_support import NOW, schedule, times

SPRING = datetime(2031, 3, 28, tzinfo=UTC)  # Europe/Paris and New York both in DST change weeks

SCHEDULES: dict[str, dict[str, Any]] = {
    "cron across a DST gap": {"cron": "30 2 * * *", "timezone": "Europe/Paris"},
    "cron every 45 minutes": {"cron": "*/45 * * * *", "timezone": "America/New_York"},
    "interval of a day in a zone": {
        "interval": 86400,
        "anchor_date": "2031-01-01T09:00:00-05:00",
        "timezone": "America/New_York",
    },
    "interval of 90 minutes": {"interval": 5400, "anchor_date": "2030-12-31T23:59:30+00:00"},
    "rrule weekly": {
        "rrule": "DTSTART:20310101T093000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,SU",
        "timezone": "Europe/Paris",
    },
}


@pytest.mark.parametrize("shape", sorted(SCHEDULES))
@pytest.mark.parametrize("count", [1, 7, 40])
async def test_preview_gives_the_instants_schedule_runs_creates(
    db: Database, shape: str, count: int
) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[{"schedule": SCHEDULES[shape]}])
    start, end = SPRING, SPRING + timedelta(days=30)

    shown = await preview(db, NOW, deployment_id=dep.id, start=start, end=end, n=count)
    await schedule(
        db, dep.id, NOW, start_time=start, end_time=end, min_time=0, min_runs=count, max_runs=count
    )

    assert [item.scheduled_time for item in shown.items] == await times(db, dep.id)
    assert 0 < len(shown.items) <= count


async def test_deployment_schedules_merge_in_time_order_ties_by_schedule_id(db: Database) -> None:
    flow = await make_flow(db, NOW)
    hourly = {"interval": 3600, "anchor_date": NOW.isoformat()}
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        schedules=[
            {"schedule": hourly, "slug": "a"},
            {"schedule": {"cron": "0 * * * *"}, "slug": "b"},
            {"schedule": {"cron": "30 * * * *"}, "slug": "off", "active": False},
        ],
    )
    ids = sorted(str(s.id) for s in dep.schedules if s.active)

    shown = await preview(db, NOW, deployment_id=dep.id, n=6)

    got = [(i.scheduled_time, str(i.schedule_id)) for i in shown.items]
    hours = [NOW + timedelta(hours=k) for k in range(3)]
    assert got == [(at, schedule_id) for at in hours for schedule_id in ids]


async def test_defaults_start_now_ten_instants_and_end_bounds_them(db: Database) -> None:
    flow = await make_flow(db, NOW)
    every_minute = {"interval": 60, "anchor_date": NOW.isoformat()}
    dep = await make_deployment(db, flow.id, NOW, schedules=[{"schedule": every_minute}])
    later = NOW + timedelta(seconds=30)

    default = await preview(db, later, deployment_id=dep.id)
    bounded = await preview(db, later, deployment_id=dep.id, end=NOW + timedelta(minutes=3))

    assert [i.scheduled_time for i in default.items] == [
        NOW + timedelta(minutes=k) for k in range(1, 11)
    ]
    assert [i.scheduled_time for i in bounded.items] == [
        NOW + timedelta(minutes=k) for k in range(1, 4)
    ]


async def test_paused_deployment_previews_its_active_schedules(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[{"schedule": {"cron": "0 9 * * *"}}])
    await write(db, pause_deployment, PauseDeployment(id=dep.id), now=NOW)

    shown = await preview(db, NOW, deployment_id=dep.id, n=2)

    assert [i.scheduled_time.hour for i in shown.items] == [9, 9]


async def test_a_schedule_object_is_resolved_and_shown_in_its_zone(db: Database) -> None:
    cron = {"cron": "0 9 * * *", "timezone": "America/New_York"}

    shown = await preview(db, NOW, schedule=cron, start=datetime(2031, 3, 8, tzinfo=UTC), n=3)

    zone = ZoneInfo("America/New_York")
    assert [i.schedule_id for i in shown.items] == [None, None, None]
    assert [i.scheduled_time for i in shown.items] == [
        datetime(2031, 3, day, 9, tzinfo=zone) for day in (8, 9, 10)
    ]
    offsets = [i.scheduled_time.utcoffset() for i in shown.items]
    assert offsets == [timedelta(hours=-5), timedelta(hours=-4), timedelta(hours=-4)]


async def test_an_interval_without_anchor_counts_from_now(db: Database) -> None:
    shown = await preview(db, NOW, schedule={"interval": 600}, n=2)

    assert [i.scheduled_time for i in shown.items] == [NOW, NOW + timedelta(minutes=10)]


async def test_preview_creates_and_announces_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[{"schedule": {"cron": "* * * * *"}}])

    await preview(db, NOW, deployment_id=dep.id, n=50)

    assert await runs_of(db, dep.id) == set()
    assert await events(db, f"flow_run.created.{dep.id}") == []


async def test_unknown_deployment_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await preview(db, NOW, deployment_id=uuid4())
