"""A worker's log as an operator reads it (CONTRACT §9): with DEPLOYQ_LOG_FORMAT=json every line
is one JSON object, one per command with its fields; libraries stay quiet; no credentials."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from deployq.client import Client
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import wait_until
from tests.workers import worker_process


async def test_json_lines_with_one_line_per_command(settings: Settings, wire: Wire) -> None:
    own = settings.model_copy(
        update={"namespace": f"{settings.namespace}-log-{uuid.uuid4().hex[:6]}"}
    )
    try:
        async with (
            worker_process(own, DEPLOYQ_LOG_FORMAT="json") as worker,
            await Client.connect(own.amqp_url, own.namespace) as client,
        ):
            pinged = await client.call("system.ping", {}, message_id="ping-1")
            assert pinged.ok
            refused = await client.call("flow.read", {"name": 5}, message_id="read-1")
            assert refused.error["code"] == "validation_error"

            def handled() -> list[dict[str, Any]]:
                lines = [orjson.loads(line) for line in worker.lines]
                return [line for line in lines if line["msg"] == "handled"]

            async def both() -> list[dict[str, Any]]:
                found = handled()
                return found if len(found) == 2 else []

            read, ping = sorted(await wait_until(both), key=lambda line: line["command"])
            assert await worker.terminate() == 0
        assert read["command"] == "flow.read"
        assert (read["message_id"], read["outcome"]) == ("read-1", "validation_error")
        assert ping["command"] == "system.ping"
        assert (ping["message_id"], ping["outcome"]) == ("ping-1", "ok")
        assert ping["correlation_id"] == pinged.correlation_id
        assert isinstance(ping["duration_ms"], float)
        assert ping["level"] == "INFO"
        assert ping["logger"] == "deployq.consumers.commands"
        assert ping["ts"].endswith("Z")
        every = [orjson.loads(line) for line in worker.lines]  # each line is one object
        assert not [line for line in every if not line["logger"].startswith("deployq")]
        assert ":guest@" not in worker.log
    finally:
        await wire.delete_namespace(own.namespace)
