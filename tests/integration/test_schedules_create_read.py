"""`deployment.schedules.create` (R61) and `deployment.schedules.read` (R62) against PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from deployq.errors import Conflict, NotFound
from deployq.storage.database import Database
from tests.integration.builders import schedule_rows, surviving_kinds
from tests.integration.schedules_support import (
    CRON,
    RRULE,
    T0,
    T1,
    T2,
    T3,
    T4,
    add,
    change,
    events_since,
    every,
    listed,
    new_deployment,
    outbox_mark,
    seeded,
    slugs,
    updated_at,
)

# --- R61: create ----------------------------------------------------------------------------


async def test_r61_returns_the_schedules_with_ids_in_the_order_given(db: Database) -> None:
    dep = await new_deployment(db)
    anchor = "2032-01-01T00:00:00+00:00"

    created = await add(
        db,
        dep.id,
        {
            "schedule": {"interval": 600, "anchor_date": anchor},
            "slug": "ten",
            "parameters": {"x": 1},
            "max_scheduled_runs": 5,
        },
        {"schedule": CRON, "active": False},
        {"schedule": RRULE},
    )

    assert slugs(created) == ["ten", None, None]
    assert len({s.id for s in created}) == 3
    assert {s.deployment_id for s in created} == {dep.id}
    assert {(s.created, s.updated) for s in created} == {(T1, T1)}
    assert [s.active for s in created] == [True, False, True]
    assert [s.parameters for s in created] == [{"x": 1}, {}, {}]
    assert [s.max_scheduled_runs for s in created] == [5, None, None]
    assert [s.schedule.model_dump(mode="json") for s in created] == [
        {"interval": 600, "anchor_date": "2032-01-01T00:00:00Z", "timezone": "UTC"},
        {"cron": "0 9 * * 1-5", "timezone": "UTC", "day_or": True},
        {"rrule": RRULE["rrule"], "timezone": "UTC"},
    ]
    by_id = {s.id: s for s in await listed(db, dep.id)}
    assert by_id == {s.id: s for s in created}


async def test_r61_unknown_deployment_is_not_found_and_nothing_is_written(db: Database) -> None:
    missing = uuid4()
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(missing)):
        await add(db, missing, every(60))

    assert await schedule_rows(db, missing) == 0
    assert await events_since(db, mark, missing) == []


async def test_r61_deletes_no_runs(db: Database) -> None:
    dep, kinds = await seeded(db, T1)

    await add(db, dep.id, every(60), {"schedule": CRON}, now=T1)

    assert await surviving_kinds(db, kinds) == set(kinds)


async def test_r61_a_slug_the_deployment_already_has_is_a_conflict_and_nothing_is_inserted(
    db: Database,
) -> None:
    dep = await new_deployment(db, schedules=[every(60, slug="daily")])
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="slug"):
        await add(db, dep.id, every(120), every(180, slug="daily"))

    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


async def test_r61_a_slug_given_twice_is_a_conflict_and_nothing_is_inserted(
    db: Database,
) -> None:
    dep = await new_deployment(db)
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="'twice'"):
        await add(
            db, dep.id, every(60, slug="twice"), every(90, slug="b"), every(120, slug="twice")
        )

    assert await schedule_rows(db, dep.id) == 0
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


async def test_r61_many_schedules_may_have_no_slug(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])

    await add(db, dep.id, every(60), every(60), now=T1)
    await add(db, dep.id, every(60), now=T2)

    assert slugs(await listed(db, dep.id)) == [None] * 4


async def test_r61_two_deployments_may_use_the_same_slug(db: Database) -> None:
    first = await new_deployment(db, schedules=[every(60, slug="daily")])
    second = await new_deployment(db)

    [made] = await add(db, second.id, every(60, slug="daily"))

    assert made.slug == "daily"
    assert await listed(db, second.id) == [made]
    assert await listed(db, first.id) == first.schedules


# --- R62: read ------------------------------------------------------------------------------


async def test_r62_most_recently_updated_first(db: Database) -> None:
    dep = await new_deployment(db)
    [a] = await add(db, dep.id, every(60, slug="a"), now=T1)
    await add(db, dep.id, every(60, slug="b"), now=T2)
    await add(db, dep.id, every(60, slug="c"), now=T3)
    assert slugs(await listed(db, dep.id)) == ["c", "b", "a"]

    await change(db, dep.id, a.id, active=False, now=T4)

    assert slugs(await listed(db, dep.id)) == ["a", "c", "b"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (None, ["off", "on"]),
        ({}, ["off", "on"]),
        ({"active": None}, ["off", "on"]),
        ({"active": {}}, ["off", "on"]),
        ({"active": {"eq_": None}}, ["off", "on"]),
        ({"active": {"eq_": True}}, ["on"]),
        ({"active": {"eq_": False}}, ["off"]),
    ],
)
async def test_r62_the_active_filter_is_optional(
    db: Database, filter: dict[str, Any] | None, expected: list[str]
) -> None:
    dep = await new_deployment(db)
    await add(db, dep.id, every(60, slug="on"), now=T1)
    await add(db, dep.id, every(60, slug="off", active=False), now=T2)

    assert slugs(await listed(db, dep.id, filter)) == expected


async def test_r62_unknown_deployment_is_not_found(db: Database) -> None:
    missing = uuid4()

    with pytest.raises(NotFound, match=str(missing)):
        await listed(db, missing)


async def test_r62_reading_changes_nothing(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])
    mark = await outbox_mark(db)

    await listed(db, dep.id)

    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []
