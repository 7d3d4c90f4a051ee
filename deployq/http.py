"""Health, readiness and Prometheus metrics over HTTP (CONTRACT §7, §9): `GET /healthz` (the
process is alive), `GET /readyz` (connected and, for a worker, consuming), `GET /metrics`.

A few lines on asyncio's own server: the endpoints are tiny, and a web framework would be the
largest dependency of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from deployq.metrics import Metrics

log = logging.getLogger(__name__)

Readiness = Callable[[], Awaitable[list[str]]]  # why the process is not ready; empty when it is


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _answer(path: str, metrics: Metrics, readiness: Readiness) -> bytes:
    if path == "/metrics":
        return _response("200 OK", CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
    if path == "/healthz":
        return _response("200 OK", "text/plain", b"ok\n")
    if path == "/readyz":
        try:
            problems = await asyncio.wait_for(readiness(), 5)
        except Exception as error:
            problems = [f"readiness check failed: {error!r}"]
        if not problems:
            return _response("200 OK", "text/plain", b"ready\n")
        body = "".join(f"{problem}\n" for problem in problems).encode()
        return _response("503 Service Unavailable", "text/plain", body)
    return _response("404 Not Found", "text/plain", b"not found\n")


@contextlib.asynccontextmanager
async def serving(
    port: int | None, metrics: Metrics, readiness: Readiness, host: str = "0.0.0.0"
) -> AsyncIterator[int | None]:
    """Serve while the block runs; yields the bound port (None when no port is configured)."""
    if port is None:
        yield None
        return

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            parts = request.decode("latin-1").split()
            path = parts[1] if len(parts) >= 2 and parts[0] == "GET" else ""
            writer.write(await _answer(path.split("?")[0], metrics, readiness))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port)
    bound = server.sockets[0].getsockname()[1]
    log.info(
        "health, readiness and metrics on http://%s:%d/ (healthz, readyz, metrics)", host, bound
    )
    try:
        yield bound
    finally:
        server.close()
        await server.wait_closed()
