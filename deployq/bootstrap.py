"""The composition root: build the engine and the broker's connection maker once, hand them
down, close in reverse. Nothing connects here: each service connects (and reconnects) itself,
so a process told to stop while the broker is away stops at once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from deployq.broker import Broker, TLSFiles
from deployq.clock import Clock, utcnow
from deployq.consumers.topology import Topology
from deployq.metrics import Metrics
from deployq.readiness import Readiness
from deployq.settings import Settings
from deployq.storage.database import Database, create_engine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    db: Database
    broker: Broker
    topology: Topology
    clock: Clock
    metrics: Metrics
    readiness: Readiness


def tls_of(settings: Settings) -> TLSFiles:
    """The broker's TLS files, the same for every address of the list."""
    return TLSFiles(settings.amqp_ca_file, settings.amqp_cert_file, settings.amqp_key_file)


def broker_of(settings: Settings, name: str) -> Broker:
    return Broker(settings.amqp_addresses, name=name, tls=tls_of(settings))


async def readiness_problems(deps: Deps) -> list[str]:
    """Why the process is not ready (CONTRACT §9, `/readyz`); empty when it is."""
    problems = deps.readiness.problems()
    try:
        async with deps.db.reading() as uow:
            await uow.system.schema_revision()
    except Exception as error:
        problems.append(f"database unreachable: {type(error).__name__}")
    return problems


@asynccontextmanager
async def lifespan(settings: Settings, *, clock: Clock = utcnow) -> AsyncIterator[Deps]:
    db = Database(create_engine(settings.database_url, pool_size=settings.connections))
    try:
        yield Deps(
            settings=settings,
            db=db,
            broker=broker_of(settings, "deployq"),
            topology=Topology(
                settings.namespace,
                settings.delivery_limit,
                quorum_initial_group_size=settings.quorum_initial_group_size,
            ),
            clock=clock,
            metrics=Metrics(),
            readiness=Readiness(),
        )
    finally:
        await db.dispose()
