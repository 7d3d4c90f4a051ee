"""`deployment.list` sorted and paged (R55): every sort breaks ties by id, so pages are stable and
complete; paging out of range is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest
from pydantic import ValidationError

from deployq.handlers.deployments import (
    count_deployments,
    create_deployment,
    read_deployments,
    update_deployment,
)
from deployq.messages.deployments import (
    CountDeployments,
    CreateDeployment,
    Deployment,
    ListDeployments,
    UpdateDeployment,
)
from deployq.messages.filters import DeploymentSort
from deployq.storage.database import Database
from tests.integration.builders import make_flow, read, write
from tests.integration.queries_support import Body, flow_with, in_flows, listed

# --- sorting --------------------------------------------------------------------------------


async def _sortable(db: Database, now: datetime) -> tuple[list[Deployment], Body]:
    """Deployments with ties in name, in created and in updated, spread over two flows."""
    one, two = await make_flow(db, now), await make_flow(db, now)
    t = [now + timedelta(minutes=m) for m in range(4)]
    plan = [  # flow, name, created at
        (one, "b", t[0]),
        (two, "b", t[0]),
        (one, "a", t[1]),
        (two, "a", t[0]),
        (one, "c", t[1]),
        (two, "d", t[2]),
    ]
    made = {}
    for flow, name, at in plan:
        command = CreateDeployment(name=name, flow_id=flow.id)
        made[(flow.id, name)] = await write(db, create_deployment, command, now=at)
    for key, at in [((one.id, "a"), t[3]), ((two.id, "d"), t[3]), ((two.id, "b"), t[2])]:
        await write(db, update_deployment, UpdateDeployment(id=made[key].id), now=at)
    items = await listed(db, now, in_flows(one.id, two.id))
    assert len(items) == len(plan)
    return items, in_flows(one.id, two.id)


def _expected(items: list[Deployment], sort: DeploymentSort) -> list[UUID]:
    """The order R55 asks for: the sort key, then id ascending (Python's sort is stable)."""
    by_id = sorted(items, key=lambda d: d.id)
    if sort is DeploymentSort.NAME_ASC:
        ordered = sorted(by_id, key=lambda d: d.name)
    elif sort is DeploymentSort.NAME_DESC:
        ordered = sorted(by_id, key=lambda d: d.name, reverse=True)
    elif sort is DeploymentSort.CREATED_DESC:
        ordered = sorted(by_id, key=lambda d: d.created, reverse=True)
    else:
        ordered = sorted(by_id, key=lambda d: d.updated, reverse=True)
    return [d.id for d in ordered]


@pytest.mark.parametrize("sort", list(DeploymentSort))
async def test_sort_breaks_ties_by_id(db: Database, now: datetime, sort: DeploymentSort) -> None:
    items, scope = await _sortable(db, now)

    ordered = await listed(db, now, {**scope, "sort": sort.value})

    assert [d.id for d in ordered] == _expected(items, sort)


async def test_sort_defaults_to_name_ascending(db: Database, now: datetime) -> None:
    items, scope = await _sortable(db, now)

    assert [d.id for d in items] == _expected(items, DeploymentSort.NAME_ASC)
    assert ListDeployments().sort == DeploymentSort.NAME_ASC
    assert [d.name for d in items] == ["a", "a", "b", "b", "c", "d"]
    _ = scope


async def test_sort_ties_exist_in_the_fixture(db: Database, now: datetime) -> None:
    """Guards `_sortable`: each sort key really has ties for the id to break."""
    items, _ = await _sortable(db, now)

    assert len({d.name for d in items}) < len(items)
    assert len({d.created for d in items}) < len(items)
    assert len({d.updated for d in items}) < len(items)


def test_unknown_sort_is_refused() -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate({"sort": "NAME"})


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(DeploymentSort))
async def test_paging_is_stable_and_complete(
    db: Database, now: datetime, sort: DeploymentSort
) -> None:
    one, two = await make_flow(db, now), await make_flow(db, now)
    async with db.transaction() as uow:  # one `now` for all: created and updated all tie
        for flow_id in (one.id, two.id):  # the same names in both flows: names tie too
            for n in range(6):
                command = CreateDeployment(name=f"d{n}", flow_id=flow_id)
                await create_deployment(command, uow, now=now)
        await uow.commit()
    scope = {**in_flows(one.id, two.id), "sort": sort.value}
    whole = [d.id for d in await listed(db, now, scope)]
    assert len(whole) == 12
    assert whole == _expected(await listed(db, now, scope), sort)

    for size in (1, 5, 12):
        pages = [
            [d.id for d in await listed(db, now, {**scope, "offset": offset, "limit": size})]
            for offset in range(0, 12, size)
        ]
        assert all(len(page) == size for page in pages[:-1])
        assert [i for page in pages for i in page] == whole
    assert await listed(db, now, {**scope, "offset": 12}) == []
    assert await listed(db, now, {**scope, "offset": 50, "limit": 5}) == []
    assert await listed(db, now, {**scope, "limit": 0}) == []


async def test_page_echoes_offset_and_limit(db: Database, now: datetime) -> None:
    flow_id = await flow_with(db, now, "a", "b", "c")
    command = ListDeployments.model_validate({**in_flows(flow_id), "offset": 1, "limit": 1})

    page = await read(db, read_deployments, command, now=now)

    assert (page.offset, page.limit) == (1, 1)
    assert [d.name for d in page.items] == ["b"]


async def test_limit_defaults_to_200(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    async with db.transaction() as uow:
        for n in range(201):
            await create_deployment(
                CreateDeployment(name=f"d{n:03}", flow_id=flow.id), uow, now=now
            )
        await uow.commit()
    scope = in_flows(flow.id)

    page = await read(db, read_deployments, ListDeployments.model_validate(scope), now=now)
    counted = await read(db, count_deployments, CountDeployments.model_validate(scope), now=now)

    assert page.limit == 200
    assert len(page.items) == 200
    assert page.items[-1].name == "d199"
    assert counted.count == 201
    rest = await listed(db, now, {**scope, "offset": 200})
    assert [d.name for d in rest] == ["d200"]


@pytest.mark.parametrize(
    "paging", [{"limit": 201}, {"limit": -1}, {"offset": -1}, {"limit": "many"}]
)
def test_paging_out_of_range_is_refused(paging: Body) -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate(paging)


def test_limit_200_is_accepted() -> None:
    assert ListDeployments.model_validate({"limit": 200}).limit == 200


@pytest.mark.parametrize("key", ["sort", "offset", "limit"])
def test_count_takes_no_paging(key: str) -> None:
    with pytest.raises(ValidationError):
        CountDeployments.model_validate({key: 1})


def test_unknown_filter_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate({"deployments": {"name": {"ilike_": "x"}}})
