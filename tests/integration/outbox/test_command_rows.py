"""What each deployment command's transaction writes to `outbox` (CONTRACT §4): one row, its
CloudEvents in order, the runs it removed announced before the deployment.

Commands go through the dispatcher (`execute`), as a worker runs them, so the reply and the
first outbox row travel in one statement exactly as in production."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from deployq.storage.database import Database
from tests.integration.builders import ALL_DELETABLE, AUTO_ANY_TIME, AUTO_FUTURE_ONLY, seed_runs
from tests.integration.outbox.commands import (
    CREATED,
    DELETED,
    UPDATED,
    create,
    dispatch,
    scheduled_times,
    with_future_runs,
    without_outcome,
)
from tests.integration.outbox.rows import check_event, check_runs_deleted, last_seq, rows_after
from tests.integration.runs_support import interval
from tests.support import ok


async def test_create_writes_one_row_with_one_cloudevent(db: Database, now: datetime) -> None:
    soon = now.replace(microsecond=0) + timedelta(hours=1)
    mark = await last_seq(db)

    created = await create(db, now, tags=["a"], schedules=[interval(600, soon, slug="often")])

    (row,) = await rows_after(db, mark)
    assert row.sent_at is None
    assert len(row.event_ids) == 1
    data = check_event(
        row, 0, type_=CREATED, routing_key="deployment.created", subject=created["id"], now=now
    )
    assert created["outcome"] == "created"
    assert data == without_outcome(created)
    assert data["schedules"][0]["slug"] == "often"


async def test_upsert_of_an_existing_deployment_announces_updated_after_its_removed_runs(
    db: Database, now: datetime
) -> None:
    first, run_ids = await with_future_runs(db, now)
    scheduled = await scheduled_times(db, first["id"])
    mark = await last_seq(db)

    again = await create(db, now, flow_id=first["flow_id"], name=first["name"], description="2")

    assert again["outcome"] == "updated"
    assert again["id"] == first["id"]
    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    assert check_runs_deleted(row, removed, first["id"], scheduled, now) == {
        UUID(r) for r in run_ids
    }
    data = check_event(
        row, last, type_=UPDATED, routing_key="deployment.updated", subject=first["id"], now=now
    )
    assert data == without_outcome(again)
    assert data["description"] == "2"
    assert data["schedules"] == []


CHANGES = {
    "update": ("deployment.update", {"description": "changed"}, AUTO_FUTURE_ONLY),
    "pause": ("deployment.pause", {}, AUTO_ANY_TIME),
    "resume": ("deployment.resume", {}, frozenset()),
}


@pytest.mark.parametrize(("command", "body", "kinds"), CHANGES.values(), ids=CHANGES)
async def test_a_change_announces_the_runs_it_removed_then_the_deployment_updated(
    db: Database,
    now: datetime,
    command: str,
    body: dict[str, Any],
    kinds: frozenset[str],
) -> None:
    deployment = await create(db, now)
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    mark = await last_seq(db)

    changed = ok(await dispatch(db, command, {"id": deployment["id"], **body}, now=now))

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in kinds}
    data = check_event(
        row,
        last,
        type_=UPDATED,
        routing_key="deployment.updated",
        subject=deployment["id"],
        now=now,
    )
    assert data == changed


SCHEDULE_CHANGES = {
    "schedules.create": ("deployment.schedules.create", frozenset()),
    "schedules.update": ("deployment.schedules.update", AUTO_FUTURE_ONLY),
    "schedules.delete": ("deployment.schedules.delete", AUTO_ANY_TIME),
    "schedules.delete_all": ("deployment.schedules.delete_all", AUTO_ANY_TIME),
}


@pytest.mark.parametrize(("command", "kinds"), SCHEDULE_CHANGES.values(), ids=SCHEDULE_CHANGES)
async def test_a_schedule_change_announces_its_deployment_updated(
    db: Database, now: datetime, command: str, kinds: frozenset[str]
) -> None:
    soon = now.replace(microsecond=0) + timedelta(hours=1)
    deployment = await create(db, now, schedules=[interval(3600, soon)])
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    schedule_id = deployment["schedules"][0]["id"]
    bodies: dict[str, dict[str, Any]] = {
        "deployment.schedules.create": {"schedules": [{"schedule": {"interval": 60}}]},
        "deployment.schedules.update": {"schedule_id": schedule_id, "active": False},
        "deployment.schedules.delete": {"schedule_id": schedule_id},
        "deployment.schedules.delete_all": {},
    }
    mark = await last_seq(db)

    ok(await dispatch(db, command, {"deployment_id": deployment["id"], **bodies[command]}, now=now))

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in kinds}
    data = check_event(
        row,
        last,
        type_=UPDATED,
        routing_key="deployment.updated",
        subject=deployment["id"],
        now=now,
    )
    read = ok(await dispatch(db, "deployment.read", {"id": deployment["id"]}, now=now))
    assert data == read


async def test_delete_announces_each_removed_run_then_the_deployment_deleted(
    db: Database, now: datetime
) -> None:
    deployment = await create(db, now)
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    mark = await last_seq(db)

    assert ok(await dispatch(db, "deployment.delete", {"id": deployment["id"]}, now=now)) == {
        "deleted": True
    }

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in ALL_DELETABLE}
    data = check_event(
        row,
        last,
        type_=DELETED,
        routing_key="deployment.deleted",
        subject=deployment["id"],
        now=now,
    )
    assert data == {"id": deployment["id"]}
