"""Fixtures: one database and one namespace per test run, so runs never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import aio_pika
import pytest

from deployq.bootstrap import Deps
from deployq.client import Client
from deployq.settings import Settings
from deployq.storage.database import Database, create_engine
from deployq.storage.unit_of_work import UnitOfWork
from tests.databases import migrated_database
from tests.faults.instances import RabbitNode, Unavailable
from tests.services import SERVICE_MARKS, Services, delete_namespace, services
from tests.workers import running_worker

RUN = uuid.uuid4().hex[:10]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-faults",
        action="store_true",
        help="also run the fault suite at full size (tests/faults, marked full_faults)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs RabbitMQ or PostgreSQL, so `-m "not services"` runs exactly
    the others: each fixture that reaches a service depends on `service_urls`."""
    for item in items:
        if "service_urls" in getattr(item, "fixturenames", ()):
            for mark in SERVICE_MARKS:
                item.add_marker(mark)


@pytest.fixture(scope="session")
def service_urls() -> Iterator[Services]:
    with services() as found:
        yield found


@pytest.fixture(scope="session")
async def database_url(service_urls: Services) -> AsyncIterator[str]:
    """A fresh database for this run, migrated to head, dropped at the end."""
    server = Settings(database_url=service_urls.database_url).database_url
    async with migrated_database(server, f"deployq_test_{RUN}") as url:
        yield url


@pytest.fixture(scope="session")
async def namespace(service_urls: Services) -> AsyncIterator[str]:
    """A broker namespace for this run; its queues and exchanges are deleted at the end."""
    name = f"dqtest-{RUN}"
    yield name
    connection = await aio_pika.connect(service_urls.amqp_url)
    async with connection:
        await delete_namespace(await connection.channel(), name)


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
    """A worker running in this process for the whole session."""
    async with running_worker(settings) as deps:
        yield deps


@pytest.fixture(scope="session")
async def client(worker: Deps, settings: Settings) -> AsyncIterator[Client]:
    connected = await Client.connect(settings.amqp_url, settings.namespace)
    yield connected
    await connected.close()


@pytest.fixture
async def rabbit() -> AsyncIterator[RabbitNode]:
    """A RabbitMQ node of this test's own, stopped and removed afterwards."""
    try:
        node = RabbitNode()
    except Unavailable as why:
        pytest.skip(f"cannot start a private RabbitMQ node: {why}")
    async with node:
        yield node
