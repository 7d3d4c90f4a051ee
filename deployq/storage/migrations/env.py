"""Alembic environment: migrations over asyncpg under one advisory lock (parallel starts agree)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection, NullPool, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from deployq.storage.tables import metadata
from deployq.storage.tls import engine_arguments

# Any constant works; it only has to be the same for every deployq process.
MIGRATION_LOCK = 0x6465706C6F7971

log = logging.getLogger("deployq.storage.migrate")


def _applied(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """One line per migration applied (Alembic's own lines are quiet: they break long titles
    over several lines and announce its plugins on every start)."""
    script = step.up_revision
    title = " ".join(str(getattr(script, "doc", "") or "").split())
    log.info("schema: applied %s (%s)", step.up_revision_id, title)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        on_version_apply=_applied,
    )
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
    with context.begin_transaction():
        context.run_migrations()


async def _online(url: str) -> None:
    plain, connect_args = engine_arguments(make_url(url))
    engine = create_async_engine(plain, connect_args=connect_args, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    asyncio.run(_online(context.config.get_main_option("sqlalchemy.url") or ""))


main()
