"""The test's side of PostgreSQL: counting rows, triggers that make `deployment` writes fail or
wait for names of one test's own prefix (so no other test is touched), and gates to wait at."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from deployq.storage.database import Database


async def deployment_rows(db: Database, name_prefix: str) -> int:
    """How many deployments are stored whose name starts with `name_prefix`."""
    statement = sa.text("SELECT count(*) FROM deployment WHERE starts_with(name, :prefix)")
    async with db.engine.connect() as connection:
        count = (await connection.execute(statement, {"prefix": name_prefix})).scalar_one()
    return int(count)


@asynccontextmanager
async def deployment_trigger(
    engine: AsyncEngine, name_prefix: str, action: str
) -> AsyncIterator[str]:
    """Run the PL/pgSQL `action` before every insert or update of a deployment whose name starts
    with `name_prefix`; yields the trigger's name, which also names its attempt counter (a
    sequence: `nextval` survives the rollback of the transaction that called it)."""
    assert name_prefix.replace("-", "").isalnum(), name_prefix
    tag = f"e2e_{uuid.uuid4().hex[:16]}"
    function = f"""
        CREATE FUNCTION {tag}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF starts_with(NEW.name, '{name_prefix}') THEN
                PERFORM nextval('{tag}_calls');
                {action}
            END IF;
            RETURN NEW;
        END
        $body$
    """
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"CREATE SEQUENCE {tag}_calls")
        await connection.exec_driver_sql(function)
        await connection.exec_driver_sql(
            f"CREATE TRIGGER {tag} BEFORE INSERT OR UPDATE ON deployment "
            f"FOR EACH ROW EXECUTE FUNCTION {tag}()"
        )
    try:
        yield tag
    finally:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {tag} ON deployment")
            await connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {tag}()")
            await connection.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {tag}_calls")


async def trigger_calls(engine: AsyncEngine, tag: str) -> int:
    """How many times the trigger `tag` fired for a row of its prefix (rolled back or not)."""
    statement = f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {tag}_calls"
    async with engine.connect() as connection:
        calls = (await connection.exec_driver_sql(statement)).scalar_one()
    return int(calls)


class Gate:
    """An advisory lock the test holds. SQL that runs `passage` (in a trigger of the test's own)
    waits there until the test opens the gate, so a test can hold the code under test at an exact
    point, and see from `waiting` that it got there: no sleeps, no timing."""

    def __init__(self, connection: AsyncConnection, key: int, pid: int) -> None:
        self.connection = connection
        self.key = key
        self.pid = pid

    @property
    def passage(self) -> str:
        """PL/pgSQL that waits while the gate is closed (the lock goes with its transaction)."""
        return f"PERFORM pg_advisory_xact_lock_shared({self.key});"

    async def waiting(self) -> int:
        """How many sessions of this database wait at the gate."""
        statement = sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = 0 AND objid = :key AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return int((await self.connection.execute(statement, {"key": self.key})).scalar_one())

    async def open(self) -> None:
        await self.connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})


@asynccontextmanager
async def closed_gate(database_url: str) -> AsyncIterator[Gate]:
    """A gate on `database_url`'s database, closed until the test opens it (or leaves)."""
    engine = create_async_engine(database_url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")
    key = random.randrange(1, 2**31)  # classid 0, objid `key` in pg_locks
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
            yield Gate(connection, key, int(pid))
    finally:
        await engine.dispose()
