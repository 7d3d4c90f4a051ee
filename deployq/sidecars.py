"""What every deployq process runs beside its service: health and metrics over HTTP (when a port
is set) and the outbox relay (only one process leads at a time).

The CLI wraps each service in them once, so `deployq run` has one relay for its worker and its
scheduler, and neither entry point imports the other.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from deployq import http
from deployq.bootstrap import Deps, readiness_problems
from deployq.relay import Relay


@contextlib.asynccontextmanager
async def sidecars(deps: Deps) -> AsyncIterator[None]:
    """Run the sidecars until the block ends; they stop after the service inside it has."""
    async with (
        http.serving(
            deps.settings.metrics_port,
            deps.metrics,
            lambda: readiness_problems(deps),
            host=deps.settings.http_host,
        ),
        running_relay(deps),
    ):
        yield


@contextlib.asynccontextmanager
async def running_relay(deps: Deps) -> AsyncIterator[None]:
    """Run the outbox relay beside the caller until the block ends."""
    relay = Relay(
        db=deps.db,
        database_url=deps.settings.database_url,
        broker=deps.broker.named(f"deployq relay ({deps.settings.namespace})"),
        topology=deps.topology,
        clock=deps.clock,
        metrics=deps.metrics,
        readiness=deps.readiness,
        retention=deps.settings.outbox_retention,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop), name="outbox-relay")
    try:
        yield
    finally:
        stop.set()
        await task
