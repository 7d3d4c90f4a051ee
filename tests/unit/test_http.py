"""The health, readiness and metrics endpoints answer over a real socket."""

from __future__ import annotations

import asyncio

from deployq.http import serving
from deployq.metrics import Metrics


async def get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_metrics_health_readiness_and_not_found() -> None:
    metrics = Metrics()
    metrics.handled.labels("system.ping", "ok").inc()
    problems: list[str] = []

    async def readiness() -> list[str]:
        return list(problems)

    async with serving(0, metrics, readiness, host="127.0.0.1") as port:
        assert port
        status, body = await get(port, "/metrics")
        assert status == 200
        assert b'deployq_commands_total{command="system.ping",outcome="ok"} 1.0' in body
        assert await get(port, "/readyz") == (200, b"ready\n")
        problems.append("commands is not connected")
        assert await get(port, "/readyz") == (503, b"commands is not connected\n")
        assert await get(port, "/healthz") == (200, b"ok\n")  # alive, though not ready
        assert (await get(port, "/nope"))[0] == 404


async def test_a_failing_readiness_check_is_not_ready() -> None:
    async def readiness() -> list[str]:
        raise RuntimeError("boom")

    async with serving(0, Metrics(), readiness, host="127.0.0.1") as port:
        assert port
        status, body = await get(port, "/readyz")
        assert status == 503
        assert b"readiness check failed" in body


async def test_no_port_serves_nothing() -> None:
    async def readiness() -> list[str]:
        return []

    async with serving(None, Metrics(), readiness) as port:
        assert port is None
