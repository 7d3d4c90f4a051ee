"""deployq services run by the tests: a worker in this process, or `python -m deployq ...` as a
child process with its log at hand."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from deployq import scheduler, worker
from deployq.bootstrap import Deps, lifespan
from deployq.settings import Settings
from deployq.sidecars import sidecars
from tests.support import wait_until


@asynccontextmanager
async def running_worker(
    settings: Settings, *, stop: asyncio.Event | None = None
) -> AsyncIterator[Deps]:
    """A worker in this process on `settings` with its sidecars (the relay, health and metrics),
    as the CLI runs it: consuming once yielded, stopped (and drained) on exit. A test that sets
    `stop` itself can act while the worker is stopping."""
    async with _running(worker.serve, settings, stop) as deps:
        yield deps


@asynccontextmanager
async def running_scheduler(
    settings: Settings, *, stop: asyncio.Event | None = None
) -> AsyncIterator[Deps]:
    """A scheduler in this process on `settings` with its sidecars, as the CLI runs it: running
    once yielded, stopped on exit."""
    async with _running(scheduler.serve, settings, stop) as deps:
        yield deps


Serve = Callable[[Deps, asyncio.Event, asyncio.Event], Coroutine[Any, Any, None]]


@asynccontextmanager
async def _running(
    serve: Serve, settings: Settings, stop: asyncio.Event | None
) -> AsyncIterator[Deps]:
    """`serve` inside the sidecars, so they stop after the service has."""
    stop = stop or asyncio.Event()
    ready = asyncio.Event()
    async with lifespan(settings) as deps, sidecars(deps):
        task = asyncio.create_task(serve(deps, stop, ready))
        try:
            await asyncio.wait_for(ready.wait(), 30)
            yield deps
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


class Process:
    """A `python -m deployq` child process and the lines of its log (stderr) as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def logged(self, text: str, *, timeout: float = 30) -> None:
        """Wait until a line of the log contains `text`; fail if the process ends first."""

        async def seen() -> bool:
            if any(text in line for line in self.lines):
                return True
            assert self.process.returncode is None, self.log
            return False

        await wait_until(seen, timeout=timeout)

    async def terminate(self, *, timeout: float = 60) -> int:
        """SIGTERM, then the exit code once the process has stopped."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def close(self) -> None:
        """Kill the process if it still runs, and read the rest of its log."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self._reader


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a deployq process at `settings`' services and namespace."""
    return {
        **os.environ,
        "DEPLOYQ_AMQP_URL": settings.amqp_url,
        "DEPLOYQ_DATABASE_URL": settings.database_url,
        "DEPLOYQ_NAMESPACE": settings.namespace,
        "DEPLOYQ_LOG_LEVEL": "INFO",
        **extra,
    }


@asynccontextmanager
async def deployq_process(
    command: str, settings: Settings, *arguments: str, **extra_env: str
) -> AsyncIterator[Process]:
    """`python -m deployq <command>` on `settings`; killed on exit if it still runs."""
    started = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deployq", command, *arguments,
        env=environment(settings, **extra_env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    process = Process(started)
    try:
        yield process
    finally:
        await process.close()


@asynccontextmanager
async def worker_process(settings: Settings, **extra_env: str) -> AsyncIterator[Process]:
    """`python -m deployq worker` on `settings`, yielded once it consumes."""
    async with deployq_process("worker", settings, **extra_env) as process:
        await process.logged("consuming")
        yield process
