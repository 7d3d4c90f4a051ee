"""Databases of the tests' own: made on the server the run uses, migrated to head, dropped after.

The session has one (see conftest.py); a test or module that needs a database no relay or other
test touches (its leader lock, its outbox, connections it may cut) makes one beside it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from deployq.storage.database import Database
from deployq.storage.migrate import upgrade


def admin_engine(url: str) -> AsyncEngine:
    """An AUTOCOMMIT engine on the maintenance database of `url`'s server."""
    server = make_url(url).set(database="postgres")
    return create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def name_beside(url: str, tag: str) -> str:
    """A fresh database name that tells which run and which test made it."""
    return f"{make_url(url).database}_{tag}_{uuid.uuid4().hex[:6]}"


@asynccontextmanager
async def migrated_database(url: str, name: str) -> AsyncIterator[str]:
    """Create database `name` on `url`'s server and migrate it; yields its URL; drops it (and
    ends its connections) on exit."""
    admin = admin_engine(url)
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            own = make_url(url).set(database=name).render_as_string(hide_password=False)
            await asyncio.to_thread(upgrade, own)
            yield own
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@asynccontextmanager
async def own_database(url: str, tag: str) -> AsyncIterator[tuple[str, Database]]:
    """A migrated database beside `url`'s; yields its URL and a pool-less `Database` on it, so
    the test keeps no connection open between its statements."""
    async with migrated_database(url, name_beside(url, tag)) as own:
        db = Database(create_async_engine(own, poolclass=sa.NullPool))
        try:
            yield own, db
        finally:
            await db.dispose()


async def cut_connections(url: str, *, keep: tuple[int, ...] = ()) -> int:
    """Terminate every backend on `url`'s database but those of pids `keep`; how many went."""
    statement = sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid() AND NOT pid = ANY(:keep)"
    )
    admin = admin_engine(url)
    try:
        async with admin.connect() as connection:
            found = await connection.execute(
                statement, {"name": make_url(url).database, "keep": list(keep)}
            )
            return int(found.scalar_one())
    finally:
        await admin.dispose()
