"""`deployment.schedules.update` of a schedule's fields (R63): what it changes, what it leaves
alone, and what it refuses with nothing changed."""

from __future__ import annotations

from uuid import uuid4

import pytest

from deployq.errors import Conflict, NotFound
from deployq.storage.database import Database
from tests.integration.builders import surviving_kinds
from tests.integration.schedules_support import (
    T0,
    T2,
    T3,
    change,
    events_since,
    every,
    listed,
    new_deployment,
    outbox_mark,
    seeded,
    updated_at,
)


async def test_r63_changes_the_fields_given_and_sets_updated(db: Database) -> None:
    dep = await new_deployment(
        db, schedules=[every(60, slug="s", parameters={"a": 1}, max_scheduled_runs=3)]
    )
    [before] = dep.schedules

    assert await change(db, dep.id, before.id, active=False, now=T2) is True
    [after] = await listed(db, dep.id)
    assert after == before.model_copy(update={"active": False, "updated": T2})

    await change(db, dep.id, before.id, parameters={"b": 2}, slug="t", max_scheduled_runs=9, now=T3)
    [after] = await listed(db, dep.id)
    assert after == before.model_copy(
        update={
            "active": False,
            "parameters": {"b": 2},
            "slug": "t",
            "max_scheduled_runs": 9,
            "updated": T3,
        }
    )
    assert after.created == T0


async def test_r63_fields_given_as_null_are_left_alone(db: Database) -> None:
    dep = await new_deployment(
        db, schedules=[every(60, slug="s", parameters={"a": 1}, max_scheduled_runs=3)]
    )
    [before] = dep.schedules

    await change(
        db,
        dep.id,
        before.id,
        schedule=None,
        active=None,
        parameters=None,
        slug=None,
        max_scheduled_runs=None,
        now=T2,
    )

    assert await listed(db, dep.id) == [before.model_copy(update={"updated": T2})]


async def test_r63_a_schedule_of_another_deployment_is_not_found_and_nothing_changes(
    db: Database,
) -> None:
    dep, kinds = await seeded(db, T2)
    other = await new_deployment(db, schedules=[every(60, slug="theirs")])
    [theirs] = other.schedules
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(theirs.id)):
        await change(db, dep.id, theirs.id, active=False, slug="taken", now=T2)

    assert await listed(db, other.id) == [theirs]
    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await updated_at(db, other.id) == T0
    assert await surviving_kinds(db, kinds) == set(kinds)
    assert await events_since(db, mark, dep.id) == []
    assert await events_since(db, mark, other.id) == []


async def test_r63_unknown_schedule_or_deployment_is_not_found(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])
    [stored] = dep.schedules

    with pytest.raises(NotFound):
        await change(db, dep.id, uuid4(), active=False)
    with pytest.raises(NotFound):
        await change(db, uuid4(), stored.id, active=False)

    assert await listed(db, dep.id) == [stored]


async def test_r63_a_slug_another_schedule_has_is_a_conflict(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60, slug="a"), every(90, slug="b")])
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="slug"):
        await change(db, dep.id, dep.schedules[1].id, slug="a", active=False)

    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []
