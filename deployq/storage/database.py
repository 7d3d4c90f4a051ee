"""The engine and the two ways handlers reach the database: a transaction or a plain read."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from deployq.storage.driver import Driver, json_text
from deployq.storage.tls import engine_arguments
from deployq.storage.unit_of_work import UnitOfWork


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    url, connect_args = engine_arguments(make_url(database_url))
    return create_async_engine(
        url,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        # Units of work end their own transactions (COMMIT or ROLLBACK on the driver), so the
        # pool's own reset on return would only cost time.
        pool_reset_on_return=None,
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )


def plain_dsn(database_url: str) -> str:
    """asyncpg's own DSN for the SQLAlchemy URL, for a connection outside the pool (the relay's
    leader lock)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _driver(connection: AsyncConnection) -> asyncpg.Connection:
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _forget_if_broken(connection: AsyncConnection, driver: asyncpg.Connection) -> None:
    """A connection lost under the driver is unknown to the pool: drop it explicitly, so the
    next attempt gets a fresh one instead of the dead one again."""
    if driver.is_closed():
        await connection.invalidate()


class Database:
    """Hands out units of work. Reads run without BEGIN/COMMIT: one statement, one round trip."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work inside one transaction; it rolls back unless `commit()` was called.

        The transaction is opened on the driver, so statements run through SQLAlchemy and the
        compiled ones run on the driver (storage/driver.py) share it.
        """
        async with self._autocommit.connect() as connection:
            driver = await _driver(connection)
            uow = UnitOfWork(connection, Driver(driver), transactional=True)
            try:
                await driver.execute("BEGIN")
                yield uow
            except BaseException:
                await _forget_if_broken(connection, driver)
                raise
            finally:
                if not uow.committed and not driver.is_closed():
                    with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError):
                        await driver.execute("ROLLBACK")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for reads: every statement sees the latest committed data."""
        async with self._autocommit.connect() as connection:
            driver = await _driver(connection)
            try:
                yield UnitOfWork(connection, Driver(driver))
            except BaseException:
                await _forget_if_broken(connection, driver)
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
