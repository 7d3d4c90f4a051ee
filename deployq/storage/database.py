"""The engine and the two ways handlers reach the database: a transaction or a plain read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from deployq.storage.unit_of_work import UnitOfWork


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
    )


class Database:
    """Hands out units of work. Reads run without BEGIN/COMMIT: one statement, one round trip."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work inside one transaction; it rolls back unless `commit()` was called."""
        async with self.engine.connect() as connection:
            await connection.begin()
            uow = UnitOfWork(connection)
            try:
                yield uow
            finally:
                if connection.in_transaction():
                    await connection.rollback()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for reads: every statement sees the latest committed data."""
        async with self._autocommit.connect() as connection:
            yield UnitOfWork(connection, read_only=True)

    async def dispose(self) -> None:
        await self.engine.dispose()
