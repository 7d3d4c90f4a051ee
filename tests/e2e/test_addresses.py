"""An address list in `DEPLOYQ_AMQP_URL` (a cluster's nodes): a worker, its relay and a client
pass over an address that does not answer, and when every address is down they wait, then
take the first one that comes back, the worker consuming again without a restart."""

from __future__ import annotations

import asyncio
import logging
import uuid

import aio_pika
import pytest

from deployq import broker as broker_module
from deployq.broker import redacted
from deployq.client import Client
from deployq.settings import Settings
from tests.faults.instances import RabbitNode, free_port
from tests.services import delete_namespace
from tests.support import wait_until
from tests.workers import running_worker


class FirstAddressFirst:
    """Stands in for `random` in deployq.broker: every round starts at the first address."""

    @staticmethod
    def randrange(stop: int) -> int:
        return 0


def dead_address() -> str:
    return f"amqp://guest:guest@127.0.0.1:{free_port()}/"


async def test_a_dead_first_address_is_passed_over(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(broker_module, "random", FirstAddressFirst)
    dead = dead_address()
    own = settings.model_copy(
        update={
            "amqp_url": f"{dead},{settings.amqp_url}",
            "namespace": f"{settings.namespace}-addr-{uuid.uuid4().hex[:6]}",
        }
    )
    try:
        with caplog.at_level(logging.INFO, logger="deployq.broker"):
            async with (
                running_worker(own),
                await Client.connect(own.amqp_url, own.namespace) as client,
            ):
                assert (await client.call("system.ping", {})).ok
        unreachable = "unreachable" in caplog.text and redacted(dead) in caplog.text
        assert unreachable, caplog.text
        assert f"connected to the broker at {redacted(settings.amqp_url)}" in caplog.text
        assert "guest:guest" not in caplog.text
    finally:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            await delete_namespace(await connection.channel(), own.namespace)


async def test_all_addresses_down_then_one_back(
    settings: Settings, rabbit: RabbitNode, caplog: pytest.LogCaptureFixture
) -> None:
    own = settings.model_copy(
        update={
            "amqp_url": f"{dead_address()},{rabbit.url}",
            "namespace": f"{settings.namespace}-down-{uuid.uuid4().hex[:6]}",
        }
    )
    with caplog.at_level(logging.INFO, logger="deployq"):
        async with running_worker(own) as deps:
            async with await Client.connect(own.amqp_url, own.namespace) as client:
                assert (await client.call("system.ping", {})).ok
            await asyncio.to_thread(rabbit.stop_app)  # now no address answers

            async def waiting() -> bool:
                return bool(deps.readiness.problems())

            await wait_until(waiting, timeout=30)
            with pytest.raises(ConnectionError):
                await Client.connect(own.amqp_url, own.namespace)

            await asyncio.to_thread(rabbit.start_app)

            async def consuming() -> bool:
                return not deps.readiness.problems()

            await wait_until(consuming, timeout=60)
            async with await Client.connect(own.amqp_url, own.namespace) as client:
                reply = await client.call("system.ping", {})
                assert reply.ok, reply.body
    back = f"connected to the broker at {redacted(rabbit.url)} after"
    assert back in caplog.text, caplog.text
