"""A database and a broker namespace of the run's own, made at its start and removed at its end.

Each benchmark measures in a fresh database (and, when it talks to RabbitMQ, a namespace) so that
runs in parallel on a shared machine never meet and a failed run leaves nothing behind. The
server URLs default to deployq's own (`DEPLOYQ_AMQP_URL` / `DEPLOYQ_DATABASE_URL`, else the local
services); the database user must be allowed to `CREATE DATABASE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg

from deployq.consumers.topology import Topology
from deployq.settings import DEFAULT_AMQP_URL, DEFAULT_DATABASE_URL
from deployq.storage.migrate import upgrade


def amqp_url() -> str:
    return os.environ.get("DEPLOYQ_AMQP_URL", DEFAULT_AMQP_URL)


def database_url() -> str:
    """The server to make scratch databases on, as an asyncpg DSN."""
    return asyncpg_dsn(os.environ.get("DEPLOYQ_DATABASE_URL", DEFAULT_DATABASE_URL))


def _rewrite(url: str, scheme: str, database: str | None) -> str:
    """Only the scheme and the path change; the rest is kept as written (re-rendering it, as
    SQLAlchemy's URL does, would percent-encode a socket path such as
    `?host=/var/run/postgresql`)."""
    parts = urlsplit(url)
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    """asyncpg's DSN (no `+asyncpg`) for a PostgreSQL URL, optionally naming another database."""
    return _rewrite(url, urlsplit(url).scheme.split("+", 1)[0], database)


def sqlalchemy_url(url: str, database: str | None = None) -> str:
    """The URL deployq's engine and migrations take (`postgresql+asyncpg`)."""
    return _rewrite(url, "postgresql+asyncpg", database)


@dataclass(frozen=True, slots=True)
class RunNames:
    """What one run owns, under one random suffix so that its database and its namespace are
    recognisably the same run's when something was left behind."""

    database: str
    namespace: str

    @classmethod
    def fresh(cls, kind: str = "") -> RunNames:
        suffix = secrets.token_hex(4)
        if kind:
            return cls(f"deployq_bench_{kind}_{suffix}", f"deployq-bench-{kind}-{suffix}")
        return cls(f"deployq_bench_{suffix}", f"deployq-bench-{suffix}")


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    server_url: str
    name: str

    @property
    def dsn(self) -> str:
        return asyncpg_dsn(self.server_url, self.name)

    @property
    def url(self) -> str:
        return sqlalchemy_url(self.server_url, self.name)

    @property
    def admin_dsn(self) -> str:
        """The server's own database, from which this one is created, dropped and watched."""
        return asyncpg_dsn(self.server_url)


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def scratch_database(
    server_url: str, name: str, *, migrate: bool = True
) -> AsyncIterator[ScratchDatabase]:
    """Database `name` with deployq's schema applied (unless not `migrate`: an empty database
    for another program's schema), dropped on the way out whatever happened (`WITH (FORCE)`: a
    process under test may still hold sessions to it)."""
    database = ScratchDatabase(server_url, name)
    await _execute(database.admin_dsn, f'CREATE DATABASE "{name}"')
    try:
        if migrate:
            await asyncio.to_thread(upgrade, database.url)
        yield database
    finally:
        await _execute(database.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def delete_namespace(
    amqp_url: str,
    namespace: str,
    *,
    queues: Iterable[str] = (),
    exchanges: Iterable[str] = (),
) -> None:
    """Delete deployq's queues and exchanges in `namespace`, and the run's own `queues` and
    `exchanges`; each on a channel of its own, since a failed delete closes its channel."""
    topology = Topology(namespace)
    doomed_queues = [topology.command_queue.name, topology.dead_queue.name, *queues]
    doomed_exchanges = [
        topology.commands.name,
        topology.dead.name,
        topology.events.name,
        *exchanges,
    ]
    connection = await aio_pika.connect(amqp_url)
    try:
        for name in doomed_queues:
            with contextlib.suppress(Exception):
                async with connection.channel() as channel:
                    await channel.queue_delete(name)
        for name in doomed_exchanges:
            with contextlib.suppress(Exception):
                async with connection.channel() as channel:
                    await channel.exchange_delete(name)
    finally:
        await connection.close()
