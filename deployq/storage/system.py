"""Statements about the database itself."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


class SystemRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def schema_revision(self) -> str | None:
        result = await self.connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        return result.scalar_one_or_none()
