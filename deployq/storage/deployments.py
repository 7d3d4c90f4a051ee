"""Statements on deployments: upsert, reads with their schedules in one round trip, updates."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.events import Event
from deployq.messages.filters import DeploymentFilters, DeploymentSort
from deployq.storage import deployment_updates, new_deployments
from deployq.storage.deployment_updates import Dropping, Updated
from deployq.storage.deployment_view import pool_name_of, schedules_of
from deployq.storage.driver import Compiled, Driver
from deployq.storage.filters import deployment_filters
from deployq.storage.pausing import PAUSED, bound_pause_columns, pause_columns
from deployq.storage.tables import deployment, flow

SCHEDULES = schedules_of(deployment.c.id)
WORK_POOL_NAME = pool_name_of(deployment.c.work_queue_id)
VIEW = sa.select(*deployment.c, SCHEDULES, WORK_POOL_NAME)

SORTS: dict[DeploymentSort, tuple[sa.UnaryExpression[Any], ...]] = {
    DeploymentSort.NAME_ASC: (deployment.c.name.asc(), deployment.c.id.asc()),
    DeploymentSort.NAME_DESC: (deployment.c.name.desc(), deployment.c.id.asc()),
    DeploymentSort.CREATED_DESC: (deployment.c.created.desc(), deployment.c.id.asc()),
    DeploymentSort.UPDATED_DESC: (deployment.c.updated.desc(), deployment.c.id.asc()),
}


@functools.lru_cache(maxsize=256)
def _upsert_statement(by_id: bool, columns: tuple[str, ...], changes: tuple[str, ...]) -> Compiled:
    """The upsert for one shape of request, built once: a command's values are bound
    parameters, so building and caching the SQL is not paid per command."""
    key = flow.c.id if by_id else flow.c.name
    source = sa.select(
        flow.c.id, *(sa.bindparam(c, type_=deployment.c[c].type).label(c) for c in columns)
    ).where(key == sa.bindparam("flow_key", type_=key.type))
    inserting = insert(deployment).from_select(["flow_id", *columns], source)
    excluded = inserting.excluded
    # The inserted row's paused_at is now when it is paused (`paused_values`); an update in
    # place applies the pause rules to the existing row (`storage.pausing`).
    pausing = pause_columns(excluded.paused, None, excluded.updated) if PAUSED in changes else {}
    return Compiled.of(
        inserting.on_conflict_do_update(
            index_elements=[deployment.c.flow_id, deployment.c.name],
            set_={**{c: excluded[c] for c in changes}, **pausing, "updated": excluded.updated},
        ).returning(*deployment.c, sa.literal_column("xmax = 0").label("inserted"))
    )


@functools.lru_cache(maxsize=256)
def _update_statement(changes: tuple[str, ...]) -> Compiled:
    """The update for one set of changed columns, compiled once (see `_upsert_statement`)."""
    values: dict[str, Any] = {c: sa.bindparam(c, type_=deployment.c[c].type) for c in changes}
    values |= bound_pause_columns(changes)
    return Compiled.of(
        sa.update(deployment)
        .where(deployment.c.id == sa.bindparam("id", type_=deployment.c.id.type))
        .values(**values, updated=sa.bindparam("now", type_=deployment.c.updated.type))
        .returning(*deployment.c)
    )


GET = Compiled.of(VIEW.where(deployment.c.id == sa.bindparam("id")))


class DeploymentRepository:
    def __init__(self, connection: AsyncConnection, driver: Driver) -> None:
        self.connection = connection
        self.driver = driver

    async def upsert(
        self,
        *,
        flow_id: UUID | None,
        flow_name: str | None,
        name: str,
        values: dict[str, Any],
        changes: dict[str, Any],
        now: datetime,
    ) -> RowMapping | None:
        """Insert, or update `changes` in place on (flow, name) (R51). None: no such flow.

        The flow is resolved inside the statement (INSERT … SELECT), so an unknown flow costs
        no extra round trip and no aborted transaction. The row carries `inserted`.
        """
        row = {"name": name, "created": now, "updated": now, **values}
        by_id = flow_id is not None
        statement = _upsert_statement(by_id, tuple(row), tuple(changes))
        params = {**row, "flow_key": flow_id if by_id else flow_name}
        return await self.driver.fetchrow(statement, params)

    async def insert_new(
        self,
        row: dict[str, Any],
        schedules: list[dict[str, Any]],
        remember: new_deployments.InboxRow,
        events: list[Event],
    ) -> bool:
        """See `new_deployments`: all of it in one statement, or nothing (False)."""
        return await new_deployments.insert_new(self.driver, row, schedules, remember, events)

    async def exists(self, deployment_id: UUID) -> bool:
        statement = sa.select(deployment.c.id).where(deployment.c.id == deployment_id)
        return (await self.connection.execute(statement)).first() is not None

    async def get(self, deployment_id: UUID) -> RowMapping | None:
        return await self.driver.fetchrow(GET, {"id": deployment_id})

    async def get_by_name(self, flow_name: str, name: str) -> RowMapping | None:
        statement = VIEW.join(flow, flow.c.id == deployment.c.flow_id).where(
            flow.c.name == flow_name, deployment.c.name == name
        )
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def list(
        self, filters: DeploymentFilters, sort: DeploymentSort, offset: int, limit: int
    ) -> list[RowMapping]:
        statement = (
            VIEW.where(*deployment_filters(filters))
            .order_by(*SORTS[sort])
            .offset(offset)
            .limit(limit)
        )
        return list((await self.connection.execute(statement)).mappings())

    async def count(self, filters: DeploymentFilters) -> int:
        statement = sa.select(sa.func.count()).select_from(deployment)
        statement = statement.where(*deployment_filters(filters))
        return int((await self.connection.execute(statement)).scalar_one())

    async def change(
        self,
        deployment_id: UUID,
        changes: dict[str, Any],
        *,
        dropping: Dropping | None,
        now: datetime,
    ) -> Updated | None:
        """Update, drop R7's runs and read the deployment back, in one statement (see
        `deployment_updates`); None when there is no such deployment."""
        return await deployment_updates.update(
            self.driver, deployment_id, changes, dropping=dropping, now=now
        )

    async def update(
        self, deployment_id: UUID, changes: dict[str, Any], *, now: datetime
    ) -> asyncpg.Record | None:
        """Apply `changes`, touch `updated`, and lock the row for the rest of the transaction."""
        statement = _update_statement(tuple(changes))
        return await self.driver.fetchrow(statement, {**changes, "id": deployment_id, "now": now})

    async def delete(self, deployment_id: UUID) -> bool:
        statement = sa.delete(deployment).where(deployment.c.id == deployment_id)
        return (await self.connection.execute(statement)).rowcount > 0
