"""Fixtures: one database and one namespace per test run, so runs never see each other's data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import aio_pika
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deployq.bootstrap import Deps, lifespan
from deployq.client import Client
from deployq.settings import Settings
from deployq.storage.database import Database, create_engine
from deployq.storage.migrate import upgrade
from deployq.storage.unit_of_work import UnitOfWork
from tests.services import Services, services

RUN = uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def service_urls() -> Iterator[Services]:
    with services() as found:
        yield found


@pytest.fixture(scope="session")
async def database_url(service_urls: Services) -> AsyncIterator[str]:
    """A fresh database for this run, migrated to head, dropped at the end."""
    server = make_url(Settings(database_url=service_urls.database_url).database_url)
    name = f"deployq_test_{RUN}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    try:
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
async def namespace(service_urls: Services) -> AsyncIterator[str]:
    """A broker namespace for this run; its queues and exchanges are deleted at the end."""
    name = f"dqtest-{RUN}"
    yield name
    connection = await aio_pika.connect(service_urls.amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in (f"{name}.commands", f"{name}.commands.dead"):
            await channel.queue_delete(queue)
        for exchange in (f"{name}.commands", f"{name}.dead", f"{name}.events"):
            await channel.exchange_delete(exchange)


@pytest.fixture(scope="session")
def settings(service_urls: Services, database_url: str, namespace: str) -> Settings:
    return Settings(
        amqp_url=service_urls.amqp_url,
        database_url=database_url,
        namespace=namespace,
        shutdown_grace_seconds=10,
    )


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url, pool_size=5))
    yield database
    await database.dispose()


@pytest.fixture
async def uow(db: Database) -> AsyncIterator[UnitOfWork]:
    """A transaction for one test; tests that want their writes kept call `uow.commit()`."""
    async with db.transaction() as unit:
        yield unit


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
async def worker(settings: Settings) -> AsyncIterator[Deps]:
    """A worker running in this process for the whole session, with its sidecars (the relay)."""
    from deployq.sidecars import sidecars
    from deployq.worker import serve

    stop, ready = asyncio.Event(), asyncio.Event()
    async with lifespan(settings) as deps, sidecars(deps):
        task = asyncio.create_task(serve(deps, stop, ready))
        await asyncio.wait_for(ready.wait(), 30)
        yield deps
        stop.set()
        await task


@pytest.fixture(scope="session")
async def client(worker: Deps, settings: Settings) -> AsyncIterator[Client]:
    connected = await Client.connect(settings.amqp_url, settings.namespace)
    yield connected
    await connected.close()
