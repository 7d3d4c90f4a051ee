"""Every delivery is settled whatever happens (CONTRACT §6): a reply that cannot carry the
routing key in its `type`, a broker connection lost with a command in hand, and signals while
the broker is away or while commands are still in hand."""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import orjson
import pytest

from deployq.settings import Settings
from deployq.storage.database import Database
from tests import rabbitmqctl
from tests.e2e.database import closed_gate, deployment_rows, deployment_trigger
from tests.e2e.wire import Wire, ping
from tests.support import ok, unique, wait_until
from tests.workers import deployq_process, running_worker, worker_process

SHORT_STRING = 255


def own(settings: Settings, tag: str, **changes: Any) -> Settings:
    namespace = f"{settings.namespace}-{tag}-{uuid.uuid4().hex[:6]}"
    return settings.model_copy(update={"namespace": namespace, **changes})


async def test_routing_keys_too_long_for_a_reply_type_never_stall_the_worker(wire: Wire) -> None:
    """Before: `<key>.reply` over 255 bytes made publishing the reply raise, the delivery was
    never settled, and after `prefetch` such messages the worker consumed nothing more."""
    longest = "k" * (SHORT_STRING - len(".reply"))
    too_long = "k" * (len(longest) + 1)
    sent = [await wire.publish(too_long, {}, message_id=uuid.uuid4().hex) for _ in range(40)]
    fits = await wire.publish(longest, {}, message_id=uuid.uuid4().hex)

    for correlation_id in sent:
        reply = await wire.reply(correlation_id)
        assert orjson.loads(reply.body)["error"]["code"] == "unknown_command"
        assert reply.type is None  # no type rather than one the broker would refuse
    assert (await wire.reply(fits)).type == f"{longest}.reply"
    await ping(wire)


async def test_a_connection_lost_with_a_command_in_hand_is_answered_once(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    """The broker drops the worker's connection while a command waits in the database: the
    command commits, its reply cannot go out on the dead channel, the broker requeues the
    delivery, and the reconnected worker answers it from the inbox, applied once."""
    await rabbitmqctl.require(settings.amqp_url)
    mine = own(settings, "lost")
    prefix = unique("lost")
    async with (
        closed_gate(settings.database_url) as gate,
        deployment_trigger(db.engine, prefix, gate.passage),
        running_worker(mine) as deps,
    ):
        body = {"flow_id": flow["id"], "name": f"{prefix}-1"}
        correlation_id = await wire.publish(
            "deployment.create", body, message_id=uuid.uuid4().hex, namespace=mine.namespace
        )

        async def held() -> bool:
            return await gate.waiting() == 1

        await wait_until(held, timeout=30)
        assert await rabbitmqctl.close_connections(f"deployq worker ({mine.namespace})") == 1

        async def ready_again() -> bool:
            return not deps.readiness.problems()  # consuming again, on a new connection

        await wait_until(ready_again, timeout=30)
        await gate.open()

        reply = await wire.reply(correlation_id, within=30)
        assert ok(orjson.loads(reply.body))["name"] == f"{prefix}-1"
        await wire.assert_quiet(replies={correlation_id: 1}, window=1.0)
        assert await deployment_rows(db, prefix) == 1

        async def settled() -> bool:
            return await rabbitmqctl.queue_depth(f"{mine.namespace}.commands") == (0, 0)

        await wait_until(settled, timeout=30)
    await wire.delete_namespace(mine.namespace)


async def test_sigterm_while_the_broker_is_unreachable_stops_at_once(settings: Settings) -> None:
    """Before: a worker pointed at a dead broker retried through SIGTERM for minutes."""
    nowhere = own(settings, "nowhere", amqp_url="amqp://guest:guest@127.0.0.1:1/")
    async with deployq_process("worker", nowhere) as worker:
        await worker.logged("unreachable")
        assert await worker.terminate(timeout=15) == 0, worker.log


async def test_a_failing_first_address_is_skipped(wire: Wire, settings: Settings) -> None:
    """An address list: the node that does not answer is passed over for one that does."""
    listed = own(settings, "list", amqp_url=f"amqp://guest:guest@127.0.0.1:1/,{settings.amqp_url}")
    async with worker_process(listed) as worker:
        await ping(wire, namespace=listed.namespace)
        assert "guest:guest" not in worker.log  # addresses are logged without credentials
        assert await worker.terminate() == 0, worker.log
    await wire.delete_namespace(listed.namespace)


@pytest.mark.slow
async def test_a_second_signal_ends_a_draining_worker_at_once(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    mine = own(settings, "twice")
    prefix = unique("twice")
    async with (
        closed_gate(settings.database_url) as gate,
        deployment_trigger(db.engine, prefix, gate.passage),
        worker_process(mine, DEPLOYQ_SHUTDOWN_GRACE_SECONDS="60") as worker,
    ):
        body = {"flow_id": flow["id"], "name": f"{prefix}-1"}
        await wire.publish(
            "deployment.create", body, message_id=uuid.uuid4().hex, namespace=mine.namespace
        )

        async def held() -> bool:
            return await gate.waiting() == 1

        await wait_until(held, timeout=30)
        worker.process.send_signal(signal.SIGTERM)
        await worker.logged("finishing 1 command(s) in hand")
        worker.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(worker.process.wait(), 10)
        assert code == 128 + signal.SIGTERM, worker.log
        await gate.open()
    await wire.delete_namespace(mine.namespace)
