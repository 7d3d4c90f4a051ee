"""The examples in docs/examples run as a reader would run them, against the run's worker: the
publisher gets its replies and errors, the subscriber sees the events and drops a duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import orjson

from deployq.bootstrap import Deps
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import unique

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
WITHIN = 60.0


def environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DEPLOYQ_AMQP_URL": settings.amqp_url,
        "DEPLOYQ_NAMESPACE": settings.namespace,
    }


async def publish_example(settings: Settings, name: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "publish_commands.py"),
        "--name",
        name,
        env=environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), WITHIN)
    text = out.decode()
    assert process.returncode == 0, text
    return text


@asynccontextmanager
async def subscriber(
    settings: Settings, queue: str, binding: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "subscribe_events.py"),
        "--queue",
        queue,
        "--binding",
        binding,
        env=environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), WITHIN)
        assert process.returncode == 0


async def line_with(process: asyncio.subprocess.Process, text: str) -> str:
    """The next line of the process's output that contains `text`."""
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), WITHIN)).decode()
        assert line, f"output ended before a line with {text!r}"
        if text in line:
            return line.strip()


async def test_the_publishing_example_gets_replies_and_errors(
    worker: Deps, settings: Settings
) -> None:
    name = unique("example")

    text = await publish_example(settings, name)

    assert f"flow {name} " in text
    assert f"deployment {name}-nightly " in text
    assert " created\n" in text
    assert "same message_id again: " in text
    assert "(applied once)" in text
    assert "runs created: 3" in text
    assert "not_found: deployment " in text
    assert "validation_error: [['colour']]" in text


async def test_the_subscribing_example_drops_a_duplicate_event(
    worker: Deps, settings: Settings, wire: Wire
) -> None:
    name = unique("example")
    queue = f"{settings.namespace}.{name}"
    try:
        async with subscriber(settings, queue, "deployment.created") as process:
            await line_with(process, "listening on")

            text = await publish_example(settings, name)
            deployment_id = text.split(f"deployment {name}-nightly ", 1)[1].split()[0]
            handled = await line_with(
                process, f"handled deployq.deployment.created {deployment_id}"
            )
            event_id = handled.rsplit(" ", 1)[1]
            copy = {"specversion": "1.0", "id": event_id, "type": "deployq.deployment.created"}
            await wire.channel.default_exchange.publish(
                aio_pika.Message(orjson.dumps(copy), message_id=event_id), routing_key=queue
            )

            assert await line_with(process, "duplicate") == f"duplicate {event_id} dropped"
    finally:
        await wire.channel.queue_delete(queue)
