"""The composition root: build engines and connections once, hand them down, close in reverse."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from deployq.clock import Clock, utcnow
from deployq.consumers.topology import Topology
from deployq.metrics import Metrics
from deployq.retry import Backoff
from deployq.settings import Settings
from deployq.storage.database import Database, create_engine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    db: Database
    broker: AbstractRobustConnection
    topology: Topology
    clock: Clock
    metrics: Metrics


async def connect_broker(url: str, *, attempts: int | None = None) -> AbstractRobustConnection:
    """Connect, waiting with backoff while the broker is unreachable; once connected, the
    connection re-establishes itself (and its channels and consumers) after a loss."""
    backoff = Backoff(first=0.2, cap=5.0)
    tried = 0
    while True:
        tried += 1
        try:
            return await aio_pika.connect_robust(url, client_properties={"product": "deployq"})
        except (ConnectionError, OSError, aio_pika.exceptions.AMQPConnectionError) as error:
            if attempts is not None and tried >= attempts:
                raise
            delay = backoff.next()
            log.warning("broker unreachable (%s); retrying in %.1fs", error, delay)
            await asyncio.sleep(delay)


async def health(deps: Deps) -> str | None:
    """None when the process can reach both the broker and the database, else why not."""
    if deps.broker.is_closed:
        return "broker connection is closed"
    async with deps.db.reading() as uow:
        await uow.system.schema_revision()
    return None


@asynccontextmanager
async def lifespan(settings: Settings, *, clock: Clock = utcnow) -> AsyncIterator[Deps]:
    db = Database(create_engine(settings.database_url, pool_size=settings.connections))
    try:
        broker = await connect_broker(settings.amqp_url)
        try:
            yield Deps(
                settings=settings,
                db=db,
                broker=broker,
                topology=Topology(settings.namespace, settings.delivery_limit),
                clock=clock,
                metrics=Metrics(),
            )
        finally:
            await broker.close()
    finally:
        await db.dispose()
