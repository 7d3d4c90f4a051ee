"""`flow_run.read`, `flow_run.list` and `flow_run.count`: each filter, each sort, paging."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from deployq.errors import NotFound
from deployq.handlers.runs import count_flow_runs, read_flow_run, read_flow_runs
from deployq.messages.runs import (
    CountFlowRuns,
    FlowRun,
    FlowRunSort,
    ListFlowRuns,
    ReadFlowRun,
)
from deployq.storage.database import Database
from tests.integration.builders import insert_run, make_deployment, make_flow, read
from tests.integration.runs_support import interval, schedule, set_state

NOW = datetime(2032, 2, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def listed(db: Database, **body: Any) -> list[FlowRun]:
    return (await read(db, read_flow_runs, ListFlowRuns.model_validate(body), now=NOW)).items


async def counted(db: Database, **body: Any) -> int:
    return (await read(db, count_flow_runs, CountFlowRuns.model_validate(body), now=NOW)).count


async def ids(db: Database, **body: Any) -> list[UUID]:
    return [run.id for run in await listed(db, **body)]


class Seeded:
    """A deployment with 4 hourly auto runs (one cancelled) and 2 manual runs."""

    def __init__(self, deployment_id: UUID, auto: list[UUID], manual: list[UUID]) -> None:
        self.deployment_id = deployment_id
        self.auto = auto
        self.manual = manual


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    auto = await schedule(db, dep.id, NOW, min_runs=4)
    await set_state(db, auto[3], "CANCELLED", "Cancelled")
    manual = [
        await insert_run(
            db, flow_id=flow.id, deployment_id=dep.id, start=NOW + HOUR, auto_scheduled=False
        ),
        await insert_run(
            db,
            flow_id=flow.id,
            deployment_id=dep.id,
            start=NOW - HOUR,
            auto_scheduled=False,
            state_type="COMPLETED",
            state_name="Completed",
        ),
    ]
    return Seeded(dep.id, auto, manual)


async def test_read_returns_the_run_as_listed(db: Database, seeded: Seeded) -> None:
    run = await read(db, read_flow_run, ReadFlowRun(id=seeded.auto[0]), now=NOW)

    assert run.id == seeded.auto[0]
    assert run.state is not None
    assert run.state.id == run.state_id
    assert run in await listed(db, deployment_id=seeded.deployment_id)


async def test_read_a_run_without_a_state_row(db: Database, seeded: Seeded) -> None:
    run = await read(db, read_flow_run, ReadFlowRun(id=seeded.manual[0]), now=NOW)

    assert run.state_id is None
    assert run.state is None
    assert run.auto_scheduled is False


async def test_read_unknown_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="flow run"):
        await read(db, read_flow_run, ReadFlowRun(id=uuid4()), now=NOW)


async def test_list_by_deployment_in_expected_start_order(db: Database, seeded: Seeded) -> None:
    a = seeded.auto
    m = seeded.manual

    got = await ids(db, deployment_id=seeded.deployment_id)

    assert got[0] == m[1]
    assert got[1] == a[0]
    assert set(got[2:4]) == {a[1], m[0]}  # the same expected start: ordered by id
    assert got[2:4] == sorted(got[2:4])
    assert got[4:] == [a[2], a[3]]
    assert await counted(db, deployment_id=seeded.deployment_id) == 6


async def test_state_type_is_any_of(db: Database, seeded: Seeded) -> None:
    only = {"deployment_id": seeded.deployment_id}

    assert await ids(db, **only, state_type=["CANCELLED"]) == [seeded.auto[3]]
    assert set(await ids(db, **only, state_type=["CANCELLED", "COMPLETED"])) == {
        seeded.auto[3],
        seeded.manual[1],
    }
    assert await counted(db, **only, state_type=["SCHEDULED"]) == 4
    assert await counted(db, **only, state_type=[]) == 0


def test_an_unknown_state_type_is_refused() -> None:
    with pytest.raises(ValidationError):
        ListFlowRuns.model_validate({"state_type": ["SLEEPING"]})


async def test_scheduled_window_is_inclusive(db: Database, seeded: Seeded) -> None:
    only = {"deployment_id": seeded.deployment_id}
    window = {"scheduled_after": NOW + HOUR, "scheduled_before": NOW + 2 * HOUR}

    got = await ids(db, **only, **window)

    assert set(got) == {seeded.auto[1], seeded.manual[0], seeded.auto[2]}
    assert await counted(db, **only, **window) == 3
    assert await counted(db, **only, scheduled_after=NOW + 3 * HOUR) == 1
    assert await counted(db, **only, scheduled_before=NOW - HOUR) == 1


async def test_auto_scheduled(db: Database, seeded: Seeded) -> None:
    only = {"deployment_id": seeded.deployment_id}

    assert set(await ids(db, **only, auto_scheduled=False)) == set(seeded.manual)
    assert await counted(db, **only, auto_scheduled=True) == 4


async def test_filters_combine_with_and(db: Database, seeded: Seeded) -> None:
    got = await ids(
        db,
        deployment_id=seeded.deployment_id,
        auto_scheduled=True,
        state_type=["SCHEDULED"],
        scheduled_after=NOW + HOUR,
    )

    assert got == [seeded.auto[1], seeded.auto[2]]


async def test_without_deployment_filter(db: Database) -> None:
    """Runs of any deployment, told apart here by a time window no other test uses."""
    flow = await make_flow(db, NOW)
    base = datetime(2150, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**7))
    made = [
        await insert_run(db, flow_id=flow.id, deployment_id=d, start=base + k * HOUR)
        for k, d in enumerate([uuid4(), None, uuid4()])
    ]
    window = {"scheduled_after": base, "scheduled_before": base + 2 * HOUR}

    assert await ids(db, **window) == made
    assert await counted(db, **window) == 3


async def test_sorts_break_ties_by_id(db: Database) -> None:
    flow = await make_flow(db, NOW)
    deployment_id = uuid4()
    same = NOW + 5 * HOUR
    names = ["b", "a", "c", "a"]
    made = [
        await insert_run(db, flow_id=flow.id, deployment_id=deployment_id, start=t, name=n)
        for t, n in zip([same, same, NOW, None], names, strict=True)
    ]
    tie = sorted(made[:2])
    only = {"deployment_id": deployment_id}

    by = {sort: await ids(db, **only, sort=sort) for sort in FlowRunSort}

    assert by[FlowRunSort.EXPECTED_START_TIME_ASC] == [made[2], *tie, made[3]]
    assert by[FlowRunSort.EXPECTED_START_TIME_DESC] == [*tie, made[2], made[3]]
    assert by[FlowRunSort.NAME_ASC] == [*sorted([made[1], made[3]]), made[0], made[2]]
    assert by[FlowRunSort.CREATED_DESC][0] == made[3]


async def test_created_desc(db: Database) -> None:
    flow = await make_flow(db, NOW)
    first = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    early = await schedule(db, first.id, NOW - HOUR, max_runs=1, start_time=NOW.isoformat())
    late = await schedule(db, first.id, NOW, max_runs=1, start_time=(NOW + HOUR).isoformat())

    got = await ids(db, deployment_id=first.id, sort="CREATED_DESC")

    assert got == late + early


async def test_paging(db: Database, seeded: Seeded) -> None:
    only = {"deployment_id": seeded.deployment_id}
    everything = await ids(db, **only)

    pages = [await ids(db, **only, offset=o, limit=2) for o in (0, 2, 4, 6)]

    assert pages[:3] == [everything[0:2], everything[2:4], everything[4:6]]
    assert pages[3] == []
    assert await ids(db, **only, limit=0) == []
    page = await read(
        db, read_flow_runs, ListFlowRuns(deployment_id=seeded.deployment_id, offset=1), now=NOW
    )
    assert (page.offset, page.limit) == (1, 200)


def test_limit_is_at_most_200() -> None:
    with pytest.raises(ValidationError):
        ListFlowRuns.model_validate({"limit": 201})
    with pytest.raises(ValidationError):
        ListFlowRuns.model_validate({"offset": -1})
