"""The machine a page was made on: what a reader needs to compare its figures with another's."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import asyncpg

ROOT = Path(__file__).resolve().parents[2]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


async def _postgresql(dsn: str) -> str:
    try:
        connection = await asyncpg.connect(dsn)
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def _rabbitmq(url: str) -> str:
    try:
        connection = await aio_pika.connect(url)
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    try:
        transport = connection.transport
        properties = transport.connection.server_properties if transport is not None else {}
        version = properties.get("version", b"?")
        return version.decode() if isinstance(version, bytes) else str(version)
    finally:
        await connection.close()


async def describe(database_url: str, amqp_url: str) -> dict[str, str]:
    """Name → value, in the order the page lists them."""
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "kernel": f"{platform.system()} {platform.release()}",
        "PostgreSQL": await _postgresql(database_url),
        "RabbitMQ": await _rabbitmq(amqp_url),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "deployq": commit or "unknown",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average before the run (1, 5, 15 min)": load,
    }
