"""flow.create (upsert by name) and flow.read against PostgreSQL (R1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from deployq.errors import NotFound
from deployq.handlers.flows import create_flow, read_flow
from deployq.messages.flows import CreateFlow, ReadFlow
from deployq.storage.database import Database
from tests.integration.builders import read, write
from tests.support import unique


async def test_create_inserts_a_new_flow(db: Database, now: datetime) -> None:
    name = unique("flow")

    created = await write(
        db, create_flow, CreateFlow(name=name, tags=["a", "b"], labels={"team": "x"}), now=now
    )

    assert created.name == name
    assert created.tags == ["a", "b"]
    assert created.labels == {"team": "x"}
    assert created.created == now
    assert created.updated == now
    assert await read(db, read_flow, ReadFlow(id=created.id), now=now) == created


async def test_create_defaults_tags_and_labels_to_empty(db: Database, now: datetime) -> None:
    created = await write(db, create_flow, CreateFlow(name=unique("flow")), now=now)

    assert created.tags == []
    assert created.labels == {}


async def test_create_again_by_name_keeps_id_and_created(db: Database, now: datetime) -> None:
    name = unique("flow")
    first = await write(db, create_flow, CreateFlow(name=name, tags=["a"]), now=now)
    later = now + timedelta(minutes=5)

    second = await write(db, create_flow, CreateFlow(name=name, tags=["b"]), now=later)

    assert second.id == first.id
    assert second.created == now
    assert second.updated == later
    stored = await read(db, read_flow, ReadFlow(name=name), now=later)
    assert stored == second


async def test_create_again_replaces_tags_and_labels_that_are_given(
    db: Database, now: datetime
) -> None:
    name = unique("flow")
    await write(
        db, create_flow, CreateFlow(name=name, tags=["a", "b"], labels={"k": "v", "n": 1}), now=now
    )

    second = await write(
        db, create_flow, CreateFlow(name=name, tags=["c"], labels={"other": True}), now=now
    )

    assert second.tags == ["c"]
    assert second.labels == {"other": True}  # replaced, not merged


async def test_create_again_with_empty_tags_clears_them(db: Database, now: datetime) -> None:
    name = unique("flow")
    await write(db, create_flow, CreateFlow(name=name, tags=["a"], labels={"k": "v"}), now=now)

    second = await write(db, create_flow, CreateFlow(name=name, tags=[], labels={}), now=now)

    assert second.tags == []
    assert second.labels == {}


async def test_create_again_without_tags_or_labels_keeps_them(db: Database, now: datetime) -> None:
    name = unique("flow")
    await write(db, create_flow, CreateFlow(name=name, tags=["a"], labels={"k": "v"}), now=now)

    only_tags = await write(db, create_flow, CreateFlow(name=name, tags=["b"]), now=now)
    assert only_tags.labels == {"k": "v"}

    neither = await write(db, create_flow, CreateFlow(name=name), now=now)
    assert neither.tags == ["b"]
    assert neither.labels == {"k": "v"}


async def test_flows_with_other_names_are_separate(db: Database, now: datetime) -> None:
    one = await write(db, create_flow, CreateFlow(name=unique("flow"), tags=["one"]), now=now)
    two = await write(db, create_flow, CreateFlow(name=unique("flow"), tags=["two"]), now=now)

    assert one.id != two.id
    assert (await read(db, read_flow, ReadFlow(id=one.id), now=now)).tags == ["one"]


async def test_read_by_id_and_by_name_agree(db: Database, now: datetime) -> None:
    created = await write(db, create_flow, CreateFlow(name=unique("flow"), tags=["t"]), now=now)

    by_id = await read(db, read_flow, ReadFlow(id=created.id), now=now)
    by_name = await read(db, read_flow, ReadFlow(name=created.name), now=now)

    assert by_id == by_name == created


async def test_read_unknown_id_is_not_found(db: Database, now: datetime) -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=str(missing)):
        await read(db, read_flow, ReadFlow(id=missing), now=now)


async def test_read_unknown_name_is_not_found(db: Database, now: datetime) -> None:
    with pytest.raises(NotFound):
        await read(db, read_flow, ReadFlow(name=unique("nobody")), now=now)


async def test_read_by_name_is_exact_not_a_pattern(db: Database, now: datetime) -> None:
    name = unique("flow")
    await write(db, create_flow, CreateFlow(name=name), now=now)

    with pytest.raises(NotFound):
        await read(db, read_flow, ReadFlow(name=name.upper()), now=now)
    with pytest.raises(NotFound):
        await read(db, read_flow, ReadFlow(name=name[:-1] + "%"), now=now)


@pytest.mark.parametrize("body", [{}, {"id": str(uuid4()), "name": "both"}])
def test_read_needs_exactly_one_of_id_or_name(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        ReadFlow.model_validate(body)


def test_create_refuses_an_empty_name() -> None:
    with pytest.raises(ValidationError):
        CreateFlow.model_validate({"name": ""})
