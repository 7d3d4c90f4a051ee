"""The outbox tests' database and broker: a database no relay runs on, so every row a test
writes stays unsent until the test publishes it, and a namespace of each relay test's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import aio_pika
import pytest

from deployq.settings import Settings
from deployq.storage.database import Database, create_engine
from tests.databases import migrated_database, name_beside
from tests.integration.outbox.broker import Broker
from tests.subscriber import subscribed


@pytest.fixture(scope="package")
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database of these tests' own (it replaces the session `db` here): no relay
    runs on it, so the outbox holds only what they wrote, unsent until they send it."""
    async with migrated_database(database_url, name_beside(database_url, "outbox")) as url:
        database = Database(create_engine(url, pool_size=5))
        try:
            yield database
        finally:
            await database.dispose()


@pytest.fixture
async def broker(settings: Settings, db: Database, now: datetime) -> AsyncIterator[Broker]:
    """A fresh namespace on the real broker with a subscriber on its events exchange."""
    namespace = f"{settings.namespace}-outbox-{uuid.uuid4().hex[:6]}"
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        async with subscribed(settings.amqp_url, namespace) as subscriber:
            yield Broker(settings, connection, subscriber, db, now)
        cleanup = await connection.channel()
        await cleanup.exchange_delete(f"{namespace}.events")
    finally:
        await connection.close()
