"""Statements on flow runs: bulk creation of new runs (R69), reads, and the deletions R7
allows."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.runs import FlowRunFilters, FlowRunSort
from deployq.storage.driver import Compiled, Driver
from deployq.storage.filters import flow_run_list_conditions
from deployq.storage.new_runs import INSERT, SCHEDULED, NewRun, insert_params
from deployq.storage.tables import flow_run, flow_run_state

AWAITING_CONCURRENCY_SLOT = "AwaitingConcurrencySlot"

_state = flow_run_state.alias("state")
# A run with its current state's columns, the row shape `convert.flow_run_data` reads.
VIEW = sa.select(
    *(column for column in flow_run.c if column.name != "schedule_id"),
    _state.c.timestamp.label("state_timestamp"),
    _state.c.message.label("state_message"),
    _state.c.scheduled_time.label("state_scheduled_time"),
).select_from(flow_run.outerjoin(_state, _state.c.id == flow_run.c.state_id))

SORTS: dict[FlowRunSort, tuple[sa.UnaryExpression[Any], ...]] = {
    FlowRunSort.EXPECTED_START_TIME_ASC: (
        flow_run.c.expected_start_time.asc().nulls_last(),
        flow_run.c.id.asc(),
    ),
    FlowRunSort.EXPECTED_START_TIME_DESC: (
        flow_run.c.expected_start_time.desc().nulls_last(),
        flow_run.c.id.asc(),
    ),
    FlowRunSort.CREATED_DESC: (flow_run.c.created.desc(), flow_run.c.id.asc()),
    FlowRunSort.NAME_ASC: (flow_run.c.name.asc(), flow_run.c.id.asc()),
}


def deletable(auto_only: bool, future_only: bool) -> list[sa.ColumnElement[bool]]:
    """R7: the deployment's (`:deployment_id`) runs a change may delete; `future_only` narrows
    them to runs starting after `:future_after`."""
    c = flow_run.c
    found = [
        c.deployment_id == sa.bindparam("deployment_id", type_=c.deployment_id.type),
        c.state_type == SCHEDULED,
        c.state_name != AWAITING_CONCURRENCY_SLOT,
        c.run_count == 0,
    ]
    if auto_only:
        found.append(c.auto_scheduled)
    if future_only:
        after = sa.bindparam("future_after", type_=c.next_scheduled_start_time.type)
        found.append(c.next_scheduled_start_time > after)
    return found


@functools.lru_cache(maxsize=4)
def _delete_scheduled(auto_only: bool, future_only: bool) -> Compiled:
    """R7's deletion, one compiled statement per shape (every deployment write runs one)."""
    c = flow_run.c
    return Compiled.of(
        sa.delete(flow_run)
        .where(*deletable(auto_only, future_only))
        .returning(c.id, c.deployment_id, c.next_scheduled_start_time.label("scheduled_time"))
    )


_GONE = (
    flow_run.c.id,
    flow_run.c.deployment_id,
    flow_run.c.next_scheduled_start_time.label("scheduled_time"),
)


def _late(cutoff: datetime) -> list[sa.ColumnElement[bool]]:
    """CONTRACT §8: the deletable-scheduled runs (R7, auto or not) expected before `cutoff`."""
    return [*deletable(False, False), flow_run.c.expected_start_time < cutoff]


class RunRepository:
    def __init__(self, connection: AsyncConnection, driver: Driver) -> None:
        self.connection = connection
        self.driver = driver

    async def insert(self, runs: Sequence[NewRun], *, now: datetime) -> set[str]:
        """Insert the runs whose (flow, idempotency key) is new, each with its state row, in one
        statement (R69); returns the ids actually inserted."""
        if not runs:
            return set()
        result = await self.connection.execute(INSERT, insert_params(runs, now=now))
        return set(result.scalars())

    async def delete_scheduled(
        self,
        deployment_id: UUID,
        *,
        auto_only: bool,
        future_after: datetime | None,
    ) -> list[asyncpg.Record]:
        """Delete the deployment's deletable-scheduled runs (R7); they come back as
        `id, deployment_id, scheduled_time` for the `flow_run.deleted` events.

        `future_after` narrows to runs whose next scheduled start is after it.
        """
        statement = _delete_scheduled(auto_only, future_after is not None)
        params = {"deployment_id": deployment_id, "future_after": future_after}
        return await self.driver.fetch(statement, params)

    async def get(self, run_id: UUID) -> RowMapping | None:
        statement = VIEW.where(flow_run.c.id == run_id)
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def list(
        self, filters: FlowRunFilters, sort: FlowRunSort, offset: int, limit: int
    ) -> list[RowMapping]:
        statement = (
            VIEW.where(*flow_run_list_conditions(filters))
            .order_by(*SORTS[sort])
            .offset(offset)
            .limit(limit)
        )
        return list((await self.connection.execute(statement)).mappings())

    async def count(self, filters: FlowRunFilters) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(flow_run)
            .where(*flow_run_list_conditions(filters))
        )
        return int((await self.connection.execute(statement)).scalar_one())

    async def get_by_key(self, flow_id: UUID, key: str) -> RowMapping | None:
        """The flow's run with that idempotency key (unique per flow)."""
        statement = VIEW.where(flow_run.c.flow_id == flow_id, flow_run.c.idempotency_key == key)
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def deployment_of(self, run_id: UUID) -> tuple[UUID | None] | None:
        """(deployment id,) of the run, None when there is no such run."""
        statement = sa.select(flow_run.c.deployment_id).where(flow_run.c.id == run_id)
        row = (await self.connection.execute(statement)).first()
        return None if row is None else (row[0],)

    async def delete(self, run_id: UUID) -> RowMapping | None:
        """Delete one run in any state (its states go with it); `id, deployment_id,
        scheduled_time` of what was deleted, for its event."""
        statement = sa.delete(flow_run).where(flow_run.c.id == run_id).returning(*_GONE)
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def delete_late(
        self, deployment_id: UUID, *, cutoff: datetime, keep_latest: bool
    ) -> Sequence[RowMapping]:
        """Delete the deployment's late runs (see `_late`), all or all but the latest."""
        params = {"deployment_id": deployment_id}
        statement = sa.delete(flow_run).where(*_late(cutoff)).returning(*_GONE)
        if keep_latest:
            latest = (
                sa.select(flow_run.c.id)
                .where(*_late(cutoff))
                .order_by(flow_run.c.expected_start_time.desc(), flow_run.c.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            statement = statement.where(flow_run.c.id != latest)
        result = await self.connection.execute(statement, params)
        return list(result.mappings())
