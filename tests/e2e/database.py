"""The test's side of PostgreSQL: counting rows, and triggers that make `deployment` writes
slow or fail for names of one test's own prefix, so no other test is touched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

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
