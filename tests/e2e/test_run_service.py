"""`deployq run` (what `scripts/run` starts): migrate, serve commands and schedule, stop cleanly."""

from __future__ import annotations

import sys
import uuid

import aio_pika
import aiormq
import pytest

from deployq.client import Client
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import ok, unique, wait_until
from tests.workers import deployq_process

pytestmark = pytest.mark.slow


async def exchange_exists(amqp_url: str, name: str) -> bool:
    """The process declares its topology on start; a publish before that would fail."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        try:
            await channel.get_exchange(name, ensure=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return False
        return True


async def test_one_process_answers_commands_and_materialises_runs(
    settings: Settings, wire: Wire
) -> None:
    namespace = f"{settings.namespace}-run-{uuid.uuid4().hex[:6]}"
    own = settings.model_copy(update={"namespace": namespace})
    fast = {"DEPLOYQ_SCHEDULER_RECENT_LOOP_SECONDS": "0.2"}
    try:
        async with deployq_process("run", own, "--migrate", **fast) as process:
            try:
                await wait_until(
                    lambda: exchange_exists(settings.amqp_url, f"{namespace}.commands"),
                    timeout=30,
                )
                async with await Client.connect(settings.amqp_url, namespace) as client:
                    await answers_commands_and_materialises_runs(client)
            finally:
                code = await process.terminate(timeout=30)
                sys.stderr.write(process.log)
    finally:
        await wire.delete_namespace(namespace)
    assert code == 0


async def answers_commands_and_materialises_runs(client: Client) -> None:
    async def pong() -> bool:
        # Until the queue is bound, a command is unroutable and simply dropped.
        try:
            return bool(ok(await client.call("system.ping", {}, timeout=0.5)))
        except TimeoutError:
            return False

    await wait_until(pong, timeout=30)
    flow = ok(await client.call("flow.create", {"name": unique("flow")}))
    deployment = ok(
        await client.call(
            "deployment.create",
            {
                "flow_id": flow["id"],
                "name": unique("hourly"),
                "schedules": [{"schedule": {"interval": 3600}}],
            },
        )
    )

    async def scheduled() -> int:
        reply = await client.call("flow_run.count", {"deployment_id": deployment["id"]})
        return int(ok(reply)["count"])

    # R73: the recent loop picks up a new deployment within seconds; R67: 3 hourly runs.
    assert await wait_until(scheduled, timeout=30) >= 3
