"""The two processes under test, `deployq worker` and the ceiling, as children of the run.

Each one's stderr goes to a file, printed when something goes wrong; each is stopped with
SIGTERM (then killed if it does not stop) however the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import ceiling
from benchmarks.commands.client import Command, Driver
from deployq.consumers.topology import Topology


@dataclass(slots=True)
class Child:
    """A subprocess under test, its stderr kept in a file for when it goes wrong."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self, grace: float = 30.0) -> int | None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                print(
                    f"  {self.name} ignored SIGTERM for {grace:.0f}s; killing it", file=sys.stderr
                )
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        return self.process.returncode


async def spawn(
    name: str, argv: Sequence[str], env: dict[str, str], logdir: Path, *, stdin: bool = False
) -> Child:
    log = logdir / f"{name}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            stdin=asyncio.subprocess.PIPE if stdin else None,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    return Child(name, process, log)


def deployq_env(args: argparse.Namespace, namespace: str, database_url: str) -> dict[str, str]:
    """This environment without any DEPLOYQ_* of its own, pointed at the run's database and
    namespace, plus `--worker-env`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    env.update(
        DEPLOYQ_AMQP_URL=args.amqp_url,
        DEPLOYQ_DATABASE_URL=database_url,
        DEPLOYQ_NAMESPACE=namespace,
        DEPLOYQ_PREFETCH=str(args.prefetch),
    )
    for pair in args.worker_env:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


async def wait_for_deployq(driver: Driver, worker: Child, namespace: str, limit: float) -> float:
    """Seconds until `system.ping` is answered ok (the exchange and queue appear on start-up)."""
    exchange = Topology(namespace).commands.name
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if worker.process.returncode is not None:
            raise RuntimeError(f"deployq worker exited ({worker.process.returncode}) on start-up")
        try:
            async with driver.connection.channel() as probe:
                await probe.get_exchange(exchange, ensure=True)
        except Exception:
            await asyncio.sleep(0.2)
            continue
        with contextlib.suppress(TimeoutError):
            _, body, _, _ = await driver.call(
                exchange, Command("system.ping", b"{}", None), timeout=1
            )
            if body.get("ok"):
                return time.perf_counter() - started
    raise RuntimeError(f"deployq worker did not answer system.ping within {limit:.0f}s")


async def wait_for_ceiling(process: Child, limit: float = 30.0) -> None:
    stdout = process.process.stdout
    assert stdout is not None
    line = await asyncio.wait_for(stdout.readline(), limit)
    if line.strip() != b"ready":
        raise RuntimeError(f"ceiling did not start: {line!r}\n{process.tail()}")


async def start_ceiling(
    args: argparse.Namespace,
    driver: Driver,
    namespace: str,
    database_url: str,
    logdir: Path,
    *,
    name: str = "ceiling",
) -> Child:
    async with driver.connection.channel() as channel:
        await ceiling.declare(channel, namespace)
    child = await spawn(
        name,
        [
            sys.executable, "-m", "benchmarks.ceiling",
            "--namespace", namespace,
            "--prefetch", str(args.prefetch),
            "--pool", str(args.pool or args.prefetch + 4),
            "--amqp-url", args.amqp_url,
            "--database-url", database_url,
        ],
        dict(os.environ),
        logdir,
    )  # fmt: skip
    await wait_for_ceiling(child)
    return child


async def start_worker(
    args: argparse.Namespace,
    driver: Driver,
    namespace: str,
    database_url: str,
    logdir: Path,
    *,
    name: str = "worker",
) -> tuple[Child, float]:
    """The worker, answering; and the seconds it took to answer its first `system.ping`."""
    argv = (
        shlex.split(args.worker_command)
        if args.worker_command
        else [sys.executable, "-m", "deployq", "worker"]
    )
    if args.worker_migrate:
        argv.append("--migrate")
    worker = await spawn(name, argv, deployq_env(args, namespace, database_url), logdir)
    try:
        return worker, await wait_for_deployq(driver, worker, namespace, limit=60)
    except BaseException:
        await worker.stop()
        print(worker.tail(), file=sys.stderr)
        raise


async def wait_for_consumers(driver: Driver, queue: str, count: int, limit: float = 60.0) -> None:
    """Until `queue` has `count` consumers: a second process's first pong may come from the
    first one, so only the broker can say that both are consuming."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        async with driver.connection.channel() as channel:
            declared = await channel.declare_queue(queue, passive=True)
            consumers = declared.declaration_result.consumer_count or 0
        if consumers >= count:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{queue} did not reach {count} consumers within {limit:.0f}s")
