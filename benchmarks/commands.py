"""Commands per second and latency of `deployq worker`, against a same-run ceiling.

One run, with its own database (`deployq_bench_<random>`) and its own namespace, both removed at
the end, also on failure or SIGINT/SIGTERM:

1. `deployq worker --migrate` is started (same prefetch) and answers `system.ping`; its RSS is
   read after a short idle. The ceiling, `python -m benchmarks.ceiling` (a bare aio-pika
   consumer doing one asyncpg upsert, the reply on a confirm channel, the ack), is started too;
2. after a warm-up of each, `--rounds` rounds alternate a chunk of ceiling commands, a chunk of
   `deployment.create` (unique names under one flow, a fresh message_id each, half with one
   interval schedule) and a chunk of `deployment.read` of the ids just created, so a burst of
   other work on the host falls on all three alike;
3. it prints commands/s, p50 and p99 per command (publish → reply), the ratios against the
   ceiling, CPU per process group, PostgreSQL sessions opened, the worker's CPU per command and
   its resident memory at rest and after the load.

The load generator is the same for both: persistent messages with publisher confirms, replies
over direct reply-to, K commands in flight. It prints figures; it asserts nothing.

Run: python -m benchmarks.commands [--commands 5000] [--inflight 16] [--prefetch 32]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import secrets
import shlex
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from benchmarks import ceiling
from benchmarks.ceiling import run_loop
from deployq.consumers.topology import Topology
from deployq.settings import Settings

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULTS = Settings.model_fields

# Targets the figures are read against (deployq / ceiling).
CREATE_THROUGHPUT_TARGET = 0.60
CREATE_P99_TARGET = 2.0
READ_THROUGHPUT_TARGET = 0.70
RSS_TARGET_MB = 120.0


# --------------------------------------------------------------------------------------------
# The load generator


@dataclass(frozen=True, slots=True)
class Command:
    routing_key: str
    body: bytes
    message_id: str | None
    variant: str = ""


@dataclass(slots=True)
class Phase:
    """What one measured phase saw."""

    name: str
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_variant: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    results: list[Any] = field(default_factory=list)
    cpu: CpuUse | None = None
    new_sessions: int | None = None
    round_rates: list[float] = field(default_factory=list)

    @property
    def answered_ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.answered_ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, values: Sequence[float] | None = None) -> float:
        return percentile(self.latencies if values is None else values, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1] * 1000


class Driver:
    """K commands in flight over one connection: confirmed publishes, direct reply-to."""

    def __init__(self, connection: AbstractConnection, channel: AbstractChannel) -> None:
        self.connection = connection
        self.channel = channel
        self._waiting: dict[str, asyncio.Future[tuple[float, AbstractIncomingMessage]]] = {}

    @classmethod
    async def connect(cls, amqp_url: str) -> Driver:
        connection = await aio_pika.connect(amqp_url, client_properties={"product": "bench"})
        channel = await connection.channel(publisher_confirms=True)
        driver = cls(connection, channel)
        replies = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await replies.consume(driver._on_reply, no_ack=True)
        return driver

    async def close(self) -> None:
        await self.connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        arrived = time.perf_counter()
        future = self._waiting.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result((arrived, message))

    async def call(
        self,
        exchange_name: str,
        command: Command,
        *,
        timeout: float,  # noqa: ASYNC109 - a reply that never comes is counted, not awaited
    ) -> tuple[float, dict[str, Any], str | None]:
        """One command: (seconds from publish to reply, reply body, status header)."""
        exchange = await self.channel.get_exchange(exchange_name, ensure=False)
        correlation_id = uuid.uuid4().hex
        message = aio_pika.Message(
            command.body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=command.message_id,
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO,
        )
        future = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        started = time.perf_counter()
        try:
            await exchange.publish(message, routing_key=command.routing_key)
            arrived, reply = await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(correlation_id, None)
        status = (reply.headers or {}).get("status")
        if isinstance(status, bytes | bytearray):
            status = bytes(status).decode()
        return arrived - started, orjson.loads(reply.body), status

    async def run(
        self,
        name: str,
        exchange_name: str,
        commands: Sequence[Command],
        *,
        inflight: int,
        timeout: float,  # noqa: ASYNC109 - per command, see `call`
        guard: Callable[[], Awaitable[Any]] | None = None,
        meter: CpuMeter | None = None,
    ) -> Phase:
        """Send every command with `inflight` of them outstanding; `guard` ends the phase early
        (e.g. when the process under test exits)."""
        phase = Phase(name, sent=len(commands), results=[None] * len(commands))
        position = iter(range(len(commands)))

        async def lane() -> None:
            for index in position:
                command = commands[index]
                try:
                    seconds, body, status = await self.call(exchange_name, command, timeout=timeout)
                except TimeoutError:
                    phase.errors["timeout"] += 1
                    continue
                if body.get("ok") is True and status == "ok":
                    phase.latencies.append(seconds)
                    phase.by_variant.setdefault(command.variant, []).append(seconds)
                    phase.results[index] = body.get("result")
                else:
                    code = (body.get("error") or {}).get("code") or f"status={status}"
                    phase.errors[code] += 1

        sample = meter.start() if meter is not None else None
        sessions = await meter.sessions() if meter is not None else 0
        started = time.perf_counter()
        lanes = [asyncio.create_task(lane()) for _ in range(inflight)]
        watcher = asyncio.ensure_future(guard()) if guard is not None else None
        try:
            pending: set[asyncio.Future[Any]] = set(lanes)
            if watcher is not None:
                pending.add(watcher)
            while any(not lane.done() for lane in lanes):
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if watcher is not None and watcher in done:
                    raise RuntimeError(f"{name}: the process under test exited during the phase")
                for task in done:
                    task.result()
        finally:
            phase.seconds = time.perf_counter() - started
            if meter is not None and sample is not None:
                phase.cpu = meter.since(sample)
                with contextlib.suppress(Exception):
                    phase.new_sessions = await meter.sessions() - sessions
            for task in [*lanes, *([watcher] if watcher is not None else [])]:
                task.cancel()
            await asyncio.gather(*lanes, *([watcher] if watcher else []), return_exceptions=True)
        return phase


# --------------------------------------------------------------------------------------------
# Messages


def create_body(flow_id: str, name: str, index: int, *, scheduled: bool) -> dict[str, Any]:
    """A small, realistic deployment.create body."""
    body: dict[str, Any] = {
        "flow_id": flow_id,
        "name": name,
        "version": "2024.11.1",
        "description": "nightly extract and load of the orders tables",
        "entrypoint": "flows/etl.py:orders",
        "tags": ["bench", "etl", f"shard-{index % 8}"],
        "labels": {"team": "data", "tier": 2},
        "parameters": {"source": "orders", "batch_size": 500, "dry_run": False},
        "job_variables": {"image": "registry.local/etl:2024.11.1"},
    }
    if scheduled:
        body["schedules"] = [{"schedule": {"interval": 3600}}]
    return body


def creates(flow_id: str, prefix: str, count: int) -> list[Command]:
    """Unique names, a fresh message_id each; every other one carries an interval schedule."""
    out = []
    for i in range(count):
        scheduled = i % 2 == 0
        body = create_body(flow_id, f"{prefix}-{i:07d}", i, scheduled=scheduled)
        out.append(
            Command(
                "deployment.create",
                orjson.dumps(body),
                uuid.uuid4().hex,
                "with one interval schedule" if scheduled else "without schedule",
            )
        )
    return out


def reads(ids: Sequence[str]) -> list[Command]:
    return [Command("deployment.read", orjson.dumps({"id": i}), None) for i in ids]


# --------------------------------------------------------------------------------------------
# Database, namespace, processes


def plain_url(url: str, database: str | None = None) -> str:
    """An asyncpg DSN (no `+asyncpg`), optionally naming another database.

    Only the scheme and the path change; the rest is kept as written (re-rendering it would
    percent-encode a socket path such as `?host=/var/run/postgresql`).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


async def create_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def delete_namespace(amqp_url: str, namespace: str) -> None:
    topology = Topology(namespace)
    exchange, queue = ceiling.names(namespace)
    queues = [topology.command_queue.name, topology.dead_queue.name, queue]
    exchanges = [topology.commands.name, topology.dead.name, topology.events.name, exchange]
    connection = await aio_pika.connect(amqp_url)
    try:
        for name in queues:
            with contextlib.suppress(Exception):
                async with connection.channel() as channel:
                    await channel.queue_delete(name)
        for name in exchanges:
            with contextlib.suppress(Exception):
                async with connection.channel() as channel:
                    await channel.exchange_delete(name)
    finally:
        await connection.close()


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


async def spawn(name: str, argv: Sequence[str], env: dict[str, str], logdir: Path) -> Child:
    log = logdir / f"{name}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
    return Child(name, process, log)


def deployq_env(args: argparse.Namespace, namespace: str, database_url: str) -> dict[str, str]:
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


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (MiB)."""
    figures: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0]) / 1024
    return figures


TICKS = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _host_busy() -> int:
    """Busy ticks of every core (user, nice, system, irq, softirq, steal) from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values[i] for i in (0, 1, 2, 5, 6, 7) if i < len(values))


@dataclass(slots=True)
class CpuUse:
    """Cores used during a phase: by the process under test, the load generator, the broker,
    PostgreSQL (this run's backends and its shared processes) and everything else on the host
    (other test runs on a shared machine show up there)."""

    under_test: float = 0.0
    driver: float = 0.0
    rabbitmq: float = 0.0
    postgres: float = 0.0
    others: float = 0.0


class CpuMeter:
    """CPU by process group during a phase, and the PostgreSQL sessions opened meanwhile
    (a pool that keeps opening and closing connections shows up there)."""

    def __init__(self, under_test: int, database: str, admin_url: str) -> None:
        self.under_test = under_test
        self.database = database
        self.admin_url = admin_url

    async def sessions(self) -> int:
        """Sessions ever established to the bench database (pg_stat_database, PostgreSQL 14+)."""
        connection = await asyncpg.connect(self.admin_url)
        try:
            query = "SELECT coalesce(sessions, 0) FROM pg_stat_database WHERE datname = $1"
            return int(await connection.fetchval(query, self.database) or 0)
        finally:
            await connection.close()

    def _sample(self) -> dict[int, tuple[str, int]]:
        """pid → (group, ticks) for the processes this run accounts for by name."""
        sample = {self.under_test: ("under_test", _ticks(self.under_test))}
        sample[os.getpid()] = ("driver", _ticks(os.getpid()))
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in sample:
                continue
            pid = int(entry.name)
            line = _cmdline(pid)
            if "beam.smp" in line and "rabbit" in line:
                sample[pid] = ("rabbitmq", _ticks(pid))
            elif line.startswith("/usr/lib/postgresql/") or (
                line.startswith("postgres: ") and ("(" not in line or f" {self.database} " in line)
            ):
                sample[pid] = ("postgres", _ticks(pid))
        return sample

    def start(self) -> tuple[float, int, dict[int, tuple[str, int]]]:
        return time.perf_counter(), _host_busy(), self._sample()

    def since(self, start: tuple[float, int, dict[int, tuple[str, int]]]) -> CpuUse:
        began, host_before, before = start
        after = self._sample()
        wall = time.perf_counter() - began
        host = (_host_busy() - host_before) / TICKS / wall
        cores: dict[str, float] = dict.fromkeys(
            ("under_test", "driver", "rabbitmq", "postgres"), 0.0
        )
        for pid, (group, ticks) in after.items():
            cores[group] = (
                cores.get(group, 0.0)
                + max(0, ticks - before.get(pid, (group, 0))[1]) / TICKS / wall
            )
        return CpuUse(
            under_test=cores["under_test"],
            driver=cores["driver"],
            rabbitmq=cores["rabbitmq"],
            postgres=cores["postgres"],
            others=max(0.0, host - sum(cores.values())),
        )


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
            _, body, _ = await driver.call(exchange, Command("system.ping", b"{}", None), timeout=1)
            if body.get("ok"):
                return time.perf_counter() - started
    raise RuntimeError(f"deployq worker did not answer system.ping within {limit:.0f}s")


async def wait_for_ceiling(process: Child, limit: float = 30.0) -> None:
    stdout = process.process.stdout
    assert stdout is not None
    line = await asyncio.wait_for(stdout.readline(), limit)
    if line.strip() != b"ready":
        raise RuntimeError(f"ceiling did not start: {line!r}\n{process.tail()}")


# --------------------------------------------------------------------------------------------
# The run


@dataclass(slots=True)
class Report:
    ceiling: Phase | None = None
    create: Phase | None = None
    read: Phase | None = None
    rss: dict[str, dict[str, float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    startup_seconds: float = math.nan


def merge(name: str, parts: Sequence[Phase]) -> Phase:
    """One phase out of its rounds: counts and times add up, CPU is weighted by time."""
    whole = Phase(name)
    cpu = CpuUse()
    for part in parts:
        whole.sent += part.sent
        whole.seconds += part.seconds
        whole.latencies += part.latencies
        for variant, values in part.by_variant.items():
            whole.by_variant.setdefault(variant, []).extend(values)
        whole.errors.update(part.errors)
        whole.results += part.results
        whole.round_rates.append(part.rate)
        if part.new_sessions is not None:
            whole.new_sessions = (whole.new_sessions or 0) + part.new_sessions
        if part.cpu is not None:
            for group in ("under_test", "driver", "rabbitmq", "postgres", "others"):
                share = getattr(part.cpu, group) * part.seconds
                setattr(cpu, group, getattr(cpu, group) + share)
    if whole.seconds:
        for group in ("under_test", "driver", "rabbitmq", "postgres", "others"):
            setattr(cpu, group, getattr(cpu, group) / whole.seconds)
        whole.cpu = cpu
    return whole


def chunks(items: Sequence[Command], count: int) -> list[Sequence[Command]]:
    size = math.ceil(len(items) / count)
    return [items[i : i + size] for i in range(0, len(items), size)]


async def start_ceiling(
    args: argparse.Namespace, driver: Driver, namespace: str, database_url: str, logdir: Path
) -> Child:
    async with driver.connection.channel() as channel:
        await ceiling.declare(channel, namespace)
    child = await spawn(
        "ceiling",
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
    args: argparse.Namespace, driver: Driver, namespace: str, database_url: str, logdir: Path
) -> tuple[Child, float]:
    argv = (
        shlex.split(args.worker_command)
        if args.worker_command
        else [sys.executable, "-m", "deployq", "worker"]
    )
    if args.worker_migrate:
        argv.append("--migrate")
    worker = await spawn("worker", argv, deployq_env(args, namespace, database_url), logdir)
    try:
        return worker, await wait_for_deployq(driver, worker, namespace, limit=60)
    except BaseException:
        await worker.stop()
        print(worker.tail(), file=sys.stderr)
        raise


class Runner:
    """Runs chunks of commands against one process under test, measuring each."""

    def __init__(
        self, driver: Driver, exchange: str, args: argparse.Namespace, child: Child, meter: CpuMeter
    ) -> None:
        self.driver = driver
        self.exchange = exchange
        self.args = args
        self.child = child
        self.meter = meter

    async def __call__(self, name: str, commands: Sequence[Command]) -> Phase:
        print(f"    {name}: {len(commands)} commands", file=sys.stderr, flush=True)
        return await self.driver.run(
            name,
            self.exchange,
            commands,
            inflight=self.args.inflight,
            timeout=self.args.timeout,
            guard=self.child.process.wait,
            meter=self.meter,
        )


async def flow_create(driver: Driver, exchange: str, name: str, reply_within: float) -> str:
    body = orjson.dumps({"name": name, "tags": ["bench"]})
    _, reply, _ = await driver.call(
        exchange, Command("flow.create", body, uuid.uuid4().hex), timeout=reply_within
    )
    if not reply.get("ok"):
        raise RuntimeError(f"flow.create failed: {reply}")
    return str(reply["result"]["id"])


async def measure(
    args: argparse.Namespace,
    driver: Driver,
    *,
    namespace: str,
    database: str,
    database_url: str,
    logdir: Path,
    report: Report,
) -> None:
    """Start both processes, warm both up, then alternate ceiling, create and read chunks for
    `--rounds` rounds, so that whatever else the host does falls on all three alike."""
    children: list[Child] = []
    try:
        worker, report.startup_seconds = await start_worker(
            args, driver, namespace, database_url, logdir
        )
        children.append(worker)
        await asyncio.sleep(args.idle)
        report.rss["at rest after start-up"] = memory(worker.pid)
        admin_url = plain_url(args.database_url)
        deployq = Runner(
            driver,
            Topology(namespace).commands.name,
            args,
            worker,
            CpuMeter(worker.pid, database, admin_url),
        )
        base: Runner | None = None
        if not args.skip_ceiling:
            child = await start_ceiling(args, driver, namespace, database_url, logdir)
            children.append(child)
            exchange, _ = ceiling.names(namespace)
            base = Runner(driver, exchange, args, child, CpuMeter(child.pid, database, admin_url))

        flow_id = await flow_create(driver, deployq.exchange, f"bench-{namespace}", args.timeout)
        print(f"  worker pid {worker.pid}; flow {flow_id}", file=sys.stderr)
        if base is not None:
            await base("ceiling warm-up", creates(flow_id, "ceiling-warm", args.warmup))
        warm = await deployq("create warm-up", creates(flow_id, "warm", args.warmup))
        await deployq("read warm-up", reads([r["id"] for r in warm.results if r is not None]))
        if args.pause_before_create:
            print(f"  pausing {args.pause_before_create}s before measuring", file=sys.stderr)
            await asyncio.sleep(args.pause_before_create)

        parts: dict[str, list[Phase]] = {"ceiling": [], "create": [], "read": []}
        load = zip(
            chunks(creates(flow_id, "ceiling", args.commands), args.rounds),
            chunks(creates(flow_id, "load", args.commands), args.rounds),
            strict=True,
        )
        for number, (ceiling_chunk, create_chunk) in enumerate(load, 1):
            print(f"  round {number}/{args.rounds}", file=sys.stderr)
            if base is not None:
                parts["ceiling"].append(await base("ceiling", ceiling_chunk))
            created = await deployq("deployq create", create_chunk)
            parts["create"].append(created)
            ids = [r["id"] for r in created.results if r is not None]
            random.Random(number).shuffle(ids)
            parts["read"].append(await deployq("deployq read", reads(ids)))
        report.rss["after the load"] = memory(worker.pid)

        report.ceiling = merge("ceiling", parts["ceiling"]) if base is not None else None
        report.create = merge("deployq create", parts["create"])
        report.read = merge("deployq read", parts["read"])
        for result in report.create.results:
            if result is not None:
                report.outcomes[result.get("outcome", "?")] += 1
        await asyncio.sleep(args.idle)
        report.rss["at rest after the load"] = memory(worker.pid)
    except BaseException:
        for child in children:
            print(f"--- {child.name} (last lines)\n{child.tail()}", file=sys.stderr)
        raise
    finally:
        for child in reversed(children):
            code = await child.stop()
            if code not in (0, None):
                print(f"  {child.name} exited with {code}:\n{child.tail()}", file=sys.stderr)


async def bench(args: argparse.Namespace) -> Report:
    suffix = secrets.token_hex(4)
    database = f"deployq_bench_{suffix}"
    namespace = f"deployq-bench-{suffix}"
    admin_url = plain_url(args.database_url)
    database_url = plain_url(args.database_url, database)
    report = Report()
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM ends the run like Ctrl-C: cleaned up, not cut short
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print(
        f"database {database}, namespace {namespace}; {args.commands} commands per phase in "
        f"{args.rounds} round(s), {args.inflight} in flight, prefetch {args.prefetch}, "
        f"warm-up {args.warmup}",
        file=sys.stderr,
    )
    await create_database(admin_url, database)
    driver: Driver | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="deployq-bench-") as tmp:
            os.makedirs(args.log_dir or tmp, exist_ok=True)
            logdir = Path(args.log_dir or tmp)
            migrate = await spawn(
                "migrate",
                [sys.executable, "-m", "deployq", "migrate"],
                deployq_env(args, namespace, database_url),
                logdir,
            )
            if await migrate.process.wait() != 0:
                raise RuntimeError(f"deployq migrate failed:\n{migrate.tail()}")
            driver = await Driver.connect(args.amqp_url)
            await measure(
                args,
                driver,
                namespace=namespace,
                database=database,
                database_url=database_url,
                logdir=logdir,
                report=report,
            )
    finally:
        if driver is not None:
            with contextlib.suppress(Exception):
                await driver.close()
        with contextlib.suppress(Exception):
            await delete_namespace(args.amqp_url, namespace)
        await drop_database(admin_url, database)
    return report


# --------------------------------------------------------------------------------------------
# Output


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def print_phases(report: Report) -> None:
    rows = [p for p in (report.ceiling, report.create, report.read) if p is not None]
    print()
    print(f"{'':<16}{'commands/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'ok':>8}{'errors':>8}")
    for p in rows:
        print(
            f"{p.name:<16}{p.rate:>12.0f}{p.percentile(50):>9.2f}{p.percentile(99):>9.2f}"
            f"{p.answered_ok:>8}{p.error_count:>8}"
        )
    for p in rows:
        if len(p.round_rates) > 1:
            rates = " / ".join(f"{r:.0f}" for r in p.round_rates)
            print(f"  {p.name} per round, commands/s: {rates}")
    for p in rows:
        if p.errors:
            print(f"  {p.name} errors: {dict(p.errors)}")
    if report.create is not None:
        for variant, values in sorted(report.create.by_variant.items()):
            print(
                f"  create {variant}: p50 {percentile(values, 50):.2f} ms, "
                f"p99 {percentile(values, 99):.2f} ms ({len(values)})"
            )
        print(f"  create outcomes: {dict(report.outcomes)}")
    print()
    print(
        "CPU during each phase, in cores (this host has 2; 'others' is everything else on it);\n"
        "CPU ms/command is the process under test's own CPU time per command answered"
    )
    print(
        f"{'':<16}{'under test':>11}{'generator':>10}{'rabbitmq':>9}{'postgres':>9}{'others':>8}"
        f"{'new pg sessions':>17}{'CPU ms/command':>16}"
    )
    for p in rows:
        if p.cpu is not None:
            c = p.cpu
            print(
                f"{p.name:<16}{c.under_test:>11.2f}{c.driver:>10.2f}{c.rabbitmq:>9.2f}"
                f"{c.postgres:>9.2f}{c.others:>8.2f}{_or_unknown(p.new_sessions):>17}"
                f"{c.under_test * p.seconds / max(p.answered_ok, 1) * 1000:>16.2f}"
            )


def _or_unknown(value: int | None) -> str:
    return "?" if value is None else str(value)


def print_ratios(report: Report) -> None:
    base = report.ceiling
    if base is None:
        return
    print()
    print("deployq / ceiling")
    if report.create is not None:
        throughput = ratio(report.create.rate, base.rate)
        p99 = ratio(report.create.percentile(99), base.percentile(99))
        print(
            f"  create: throughput {throughput:6.1%} (target >= {CREATE_THROUGHPUT_TARGET:.0%}: "
            f"{verdict(throughput >= CREATE_THROUGHPUT_TARGET)}), "
            f"p99 {p99:.2f}x (target <= {CREATE_P99_TARGET:.0f}x: "
            f"{verdict(p99 <= CREATE_P99_TARGET)})"
        )
    if report.read is not None:
        throughput = ratio(report.read.rate, base.rate)
        p99 = ratio(report.read.percentile(99), base.percentile(99))
        print(
            f"  read:   throughput {throughput:6.1%} (target >= {READ_THROUGHPUT_TARGET:.0%}: "
            f"{verdict(throughput >= READ_THROUGHPUT_TARGET)}), p99 {p99:.2f}x"
        )


def print_memory(report: Report) -> None:
    if not report.rss:
        return
    print()
    print(f"worker memory (start-up to first pong: {report.startup_seconds:.1f}s)")
    for moment, figures in report.rss.items():
        rss = figures.get("VmRSS", math.nan)
        peak = figures.get("VmHWM", math.nan)
        line = f"  {moment:<26} VmRSS {rss:6.1f} MB  (peak VmHWM {peak:.1f} MB)"
        if moment == "at rest after start-up":
            line += f"  target < {RSS_TARGET_MB:.0f} MB: {verdict(rss < RSS_TARGET_MB)}"
        print(line)


def print_report(report: Report) -> None:
    print_phases(report)
    print_ratios(report)
    print_memory(report)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.commands", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--commands", type=int, default=5000, help="commands per measured phase")
    parser.add_argument("--inflight", type=int, default=16, help="commands outstanding at once")
    parser.add_argument(
        "--prefetch",
        type=int,
        default=DEFAULTS["prefetch"].default,
        help="consumer prefetch for both (default: deployq's own default)",
    )
    parser.add_argument("--warmup", type=int, default=300, help="commands before each phase")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="split each phase into this many chunks, run alternately (ceiling, create, read)",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="the ceiling's asyncpg pool (default: prefetch + 4, as deployq's own pool)",
    )
    parser.add_argument("--amqp-url", default=os.environ.get("DEPLOYQ_AMQP_URL", DEFAULT_AMQP_URL))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DEPLOYQ_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="a database the run can connect to and CREATE DATABASE from",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a reply")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds at rest before RSS")
    parser.add_argument(
        "--worker-migrate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the worker with --migrate (the schema is applied beforehand anyway)",
    )
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the worker, e.g. DEPLOYQ_POOL_SIZE=40 (repeatable)",
    )
    parser.add_argument(
        "--worker-command",
        default=None,
        help="the worker's command line instead of `python -m deployq worker` (e.g. under a "
        "profiler or a patched build); --migrate is appended unless --no-worker-migrate",
    )
    parser.add_argument(
        "--log-dir", default=None, help="keep the worker's and the ceiling's stderr there"
    )
    parser.add_argument("--skip-ceiling", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--pause-before-create",
        type=float,
        default=0.0,
        help="seconds to wait after the warm-up, before measuring (to attach a profiler)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    try:
        report = run_loop(bench(parse(argv)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; the database, queues and processes were cleaned up", file=sys.stderr)
        raise SystemExit(130) from None
    print_report(report)


if __name__ == "__main__":
    main(sys.argv[1:])
