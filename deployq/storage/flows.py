"""Statements on flows."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.storage.tables import flow


class FlowRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def upsert(self, name: str, changes: dict[str, Any], *, now: datetime) -> RowMapping:
        """Insert by name, or overwrite only `changes` on the existing flow (its id stays)."""
        statement = (
            insert(flow)
            .values(name=name, created=now, updated=now, **changes)
            .on_conflict_do_update(index_elements=[flow.c.name], set_={**changes, "updated": now})
            .returning(*flow.c)
        )
        return (await self.connection.execute(statement)).mappings().one()

    async def get(self, flow_id: UUID) -> RowMapping | None:
        result = await self.connection.execute(sa.select(flow).where(flow.c.id == flow_id))
        return result.mappings().one_or_none()

    async def get_by_name(self, name: str) -> RowMapping | None:
        result = await self.connection.execute(sa.select(flow).where(flow.c.name == name))
        return result.mappings().one_or_none()
