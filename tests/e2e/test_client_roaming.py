"""The client's robust connection roams the address list: when the rabbit it is on goes away,
its reconnect takes the next address, and calls go on without a new client."""

from __future__ import annotations

import asyncio
import logging
import uuid

import aio_pika
import pytest

from deployq import roaming
from deployq.broker import redacted
from deployq.client import Client
from deployq.settings import Settings
from tests.e2e.test_addresses import FirstAddressFirst
from tests.faults.instances import RabbitNode
from tests.services import delete_namespace
from tests.support import wait_until
from tests.workers import running_worker


async def test_a_client_whose_node_stops_reconnects_to_the_next_address(
    settings: Settings,
    rabbit: RabbitNode,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(roaming, "random", FirstAddressFirst)
    own = settings.model_copy(
        update={"namespace": f"{settings.namespace}-roam-{uuid.uuid4().hex[:6]}"}
    )
    try:
        with caplog.at_level(logging.INFO, logger="deployq.roaming"):
            async with running_worker(own):
                addresses = f"{rabbit.url},{settings.amqp_url}"
                async with Client(addresses, own.namespace, reconnect_interval=0.2) as client:
                    assert client.connection is not None
                    assert str(client.connection) == redacted(rabbit.url)
                    await asyncio.to_thread(rabbit.stop_app)

                    async def moved() -> bool:
                        assert client.connection is not None
                        return str(client.connection) == redacted(settings.amqp_url) and bool(
                            client.connection.connected.is_set()
                        )

                    await wait_until(moved, timeout=60)
                    reply = await client.call("system.ping", {}, timeout=30)
                    assert reply.ok, reply.body
        assert f"connected to the broker at {redacted(settings.amqp_url)}" in caplog.text
        assert "guest:guest" not in caplog.text
    finally:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            await delete_namespace(await connection.channel(), own.namespace)
