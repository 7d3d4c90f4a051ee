"""Schedules at the edges of the range of instants: anchors and windows at both ends, in zones
far east and west and with DST, and anchors from the days of local mean time (offsets with
seconds). Every command on them answers; none fails inside the date maths."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import (
    CENTURY,
    FIRST,
    INT32_MAX,
    LAST,
    World,
    new_deployment,
    send,
)
from tests.support import ok

SCHEDULES = [
    pytest.param({"interval": 1}, id="every-second"),
    pytest.param({"interval": 86400 * 1.5}, id="day-and-a-half"),
    pytest.param({"interval": CENTURY}, id="century"),
    pytest.param({"cron": "0 * * * *"}, id="cron-hourly"),
    pytest.param({"cron": "0 0 1 1 *"}, id="cron-yearly"),
    pytest.param({"rrule": "FREQ=HOURLY"}, id="rrule-hourly"),
    pytest.param({"rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"}, id="rrule-yearly"),
]
ZONES = ["UTC", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe"]


@pytest.mark.parametrize("shape", SCHEDULES)
@pytest.mark.parametrize("timezone", ZONES)
async def test_schedules_at_the_instant_bounds_run(
    db: Database, world: World, shape: dict[str, Any], timezone: str
) -> None:
    """Anchors and windows at both ends of the range, in zones far east and west and with DST:
    every command on them answers, none fails inside the date maths."""
    anchored = [{**shape, "timezone": timezone}]
    if "interval" in shape:
        anchored = [
            {**shape, "timezone": timezone, "anchor_date": FIRST},
            {**shape, "timezone": timezone, "anchor_date": LAST},
        ]
    dep = ok(
        await send(
            db,
            "deployment.create",
            new_deployment(world, schedules=[{"schedule": s} for s in anchored]),
        )
    )
    windows: list[dict[str, Any]] = [
        {"start_time": FIRST},
        {"start_time": FIRST, "end_time": LAST, "min_time": CENTURY, "max_runs": INT32_MAX},
        {"start_time": LAST},
        {"start_time": LAST, "min_time": CENTURY, "min_runs": INT32_MAX, "max_runs": INT32_MAX},
        {"start_time": LAST, "end_time": FIRST},
    ]
    for window in windows:
        ok(await send(db, "deployment.schedule_runs", {"deployment_id": dep["id"], **window}))
    ok(await send(db, "deployment.read", {"id": dep["id"]}))
    for bound in (FIRST, LAST):
        ok(await send(db, "flow_run.count", {"scheduled_after": bound, "scheduled_before": bound}))


@pytest.mark.parametrize(
    ("anchor", "timezone"),
    [
        ("1850-01-01T00:00:00Z", "America/New_York"),  # local mean time, -04:56:02
        ("1970-01-01T00:00:00Z", "Africa/Monrovia"),  # -00:44:30 until 1972
        ("1930-06-01T00:00:00Z", "Europe/Amsterdam"),  # +01:19:32 until 1937
    ],
)
async def test_anchor_in_an_offset_with_seconds_is_kept_and_reads_back(
    db: Database, world: World, anchor: str, timezone: str
) -> None:
    """RFC 3339 offsets are whole minutes; such an anchor is written in UTC, the same instant,
    so it reads back, and sending it back changes nothing."""
    schedule = {"interval": 3600, "anchor_date": anchor, "timezone": timezone}
    dep = ok(
        await send(
            db, "deployment.create", new_deployment(world, schedules=[{"schedule": schedule}])
        )
    )

    stored = dep["schedules"][0]["schedule"]
    assert datetime.fromisoformat(stored["anchor_date"]) == datetime.fromisoformat(anchor)
    read = ok(await send(db, "deployment.read", {"id": dep["id"]}))
    assert read["schedules"][0]["schedule"] == stored
    again = ok(
        await send(
            db,
            "deployment.schedules.update",
            {
                "deployment_id": dep["id"],
                "schedule_id": dep["schedules"][0]["id"],
                "schedule": stored,
            },
        )
    )
    assert again == {"updated": True}
    read = ok(await send(db, "deployment.read", {"id": dep["id"]}))
    assert read["schedules"][0]["schedule"] == stored
    ok(await send(db, "deployment.schedule_runs", {"deployment_id": dep["id"]}))
