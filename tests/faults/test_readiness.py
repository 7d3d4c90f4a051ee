"""`/readyz` follows the broker connection (CONTRACT §9), and a broker restart is logged as a
few plain lines: no library error (aiormq's, or aio_pika's callback errors), no relay flapping.
On a private RabbitMQ node, stopped and started, then killed and started, under a worker."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from deployq.logs import quiet_libraries
from deployq.settings import Settings
from tests.faults.instances import RabbitNode, free_port
from tests.support import wait_until
from tests.unit.test_http import get
from tests.workers import running_worker


async def _status(port: int) -> tuple[int, bytes]:
    return await get(port, "/readyz")


async def test_readyz_follows_the_broker_and_a_restart_logs_no_errors(
    rabbit: RabbitNode, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    own = settings.model_copy(
        update={
            "amqp_url": rabbit.url,
            "namespace": f"ready-{uuid.uuid4().hex[:8]}",
            "metrics_port": port,
            "http_host": "127.0.0.1",
        }
    )
    caplog.set_level(logging.INFO)
    quiet_libraries()  # as every deployq process has them
    async with running_worker(own):

        async def ready() -> bool:
            return await _status(port) == (200, b"ready\n")

        await wait_until(ready, timeout=30)
        caplog.clear()

        await asyncio.to_thread(rabbit.stop_app)

        async def not_ready() -> bytes | None:
            status, body = await _status(port)
            return body if status == 503 else None

        problems = await wait_until(not_ready, timeout=30)
        assert problems is not None
        assert b"commands is not connected" in problems
        assert (await get(port, "/healthz"))[0] == 200  # alive all the same

        await asyncio.to_thread(rabbit.start_app)
        await wait_until(ready, timeout=60)

        # A crash this time. `restart` returns once the node is up again, by when the worker
        # may be back too: watch for the outage while it happens.
        outage = asyncio.create_task(wait_until(not_ready, timeout=60))
        await asyncio.to_thread(rabbit.restart)
        assert await outage
        await wait_until(ready, timeout=60)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
    relay = [r.getMessage() for r in caplog.records if r.name == "deployq.relay.loop"]
    # Each of the two outages: lost once, leading again once (plus the first lead, which may
    # come after the worker was ready), at most one interruption.
    assert sum("lost the broker" in line for line in relay) <= 2, relay
    assert sum("leading" in line for line in relay) <= 3, relay
    assert sum("interrupted" in line for line in relay) <= 2, relay
    assert not any("guest:guest" in r.getMessage() for r in caplog.records)
