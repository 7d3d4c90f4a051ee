"""The broker's own view, through `rabbitmqctl`: which deliveries are unacked, and closing a
client's connection from the broker's side (a real connection loss, for one process only).

Only usable when the tests' broker is the local node `rabbitmqctl` reaches; tests that need it
skip otherwise.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from yarl import URL

TIMEOUT = 30.0


async def run(*arguments: str, node: str | None = None) -> str:
    """`rabbitmqctl -q …`'s output; raises with its error output when it fails."""
    command = ["rabbitmqctl", "-q", *(("-n", node) if node else ()), *arguments]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)}: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")


async def require(amqp_url: str) -> None:
    """Skip the test unless `rabbitmqctl` can speak for the broker at `amqp_url`."""
    host = URL(amqp_url.split(",", maxsplit=1)[0]).host
    if shutil.which("rabbitmqctl") is None or host not in ("127.0.0.1", "localhost"):
        pytest.skip("needs rabbitmqctl for a local broker")
    try:
        await run("status")
    except (RuntimeError, TimeoutError) as error:
        pytest.skip(f"rabbitmqctl cannot reach the broker: {error}")


async def close_connections(name_part: str, *, node: str | None = None) -> int:
    """Close, from the broker, every connection whose `connection_name` contains `name_part`."""
    listed = await run("list_connections", "pid", "client_properties", node=node)
    closed = 0
    for line in listed.splitlines()[1:]:
        pid, _, properties = line.partition("\t")
        if '{"connection_name","' in properties and name_part in properties:
            await run("close_connection", pid, "closed by a test", node=node)
            closed += 1
    return closed


async def queue_depth(queue: str, *, node: str | None = None) -> tuple[int, int]:
    """(ready, unacknowledged) messages of `queue`; (0, 0) when it does not exist."""
    listed = await run(
        "list_queues", "name", "messages_ready", "messages_unacknowledged", node=node
    )
    for line in listed.splitlines()[1:]:
        name, ready, unacked = line.split("\t")
        if name == queue:
            return int(ready), int(unacked)
    return 0, 0
