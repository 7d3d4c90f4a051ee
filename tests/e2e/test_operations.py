"""A worker serves health and metrics over HTTP while it handles commands (CONTRACT §7)."""

from __future__ import annotations

import socket
import uuid

from deployq.client import Client
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import wait_until
from tests.unit.test_http import get
from tests.workers import running_worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_worker_reports_health_and_counts_commands(settings: Settings, wire: Wire) -> None:
    port = free_port()
    own = settings.model_copy(
        update={
            "namespace": f"{settings.namespace}-ops-{uuid.uuid4().hex[:6]}",
            "metrics_port": port,
        }
    )
    try:
        async with running_worker(own), await Client.connect(own.amqp_url, own.namespace) as client:
            assert (await client.call("system.ping", {})).ok
            unknown = await client.call("deployment.explode", {})
            assert unknown.error["code"] == "unknown_command"

            assert await get(port, "/healthz") == (200, b"ok\n")

            async def settled() -> str | None:
                # A reply is published before its delivery is acked and counted.
                status, body = await get(port, "/metrics")
                assert status == 200
                text = body.decode()
                return text if 'outcome="unknown_command"} 1.0' in text else None

            text = await wait_until(settled)
            assert text is not None
            assert 'deployq_commands_total{command="system.ping",outcome="ok"} 1.0' in text
            assert (
                'deployq_commands_total{command="<unknown>",outcome="unknown_command"} 1.0' in text
            )
            assert 'deployq_dead_letters_total{code="unknown_command"} 1.0' in text
            assert "deployq_commands_in_flight 0.0" in text
    finally:
        await wire.delete_namespace(own.namespace)
