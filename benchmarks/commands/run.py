"""One run: its database and namespace, both processes, the warm-ups, the rounds, the tear-down.

Ceiling, create and read chunks alternate for `--rounds` rounds, so that whatever else the host
does meanwhile falls on all three alike rather than on one phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import ceiling
from benchmarks.commands.client import Command, Driver
from benchmarks.commands.load import Phase, chunks, merge, run_phase
from benchmarks.commands.messages import creates, flow_create, reads
from benchmarks.commands.meter import CpuMeter, memory
from benchmarks.commands.processes import Child, start_ceiling, start_worker
from benchmarks.commands.report import Report
from benchmarks.scratch import RunNames, ScratchDatabase, delete_namespace, scratch_database
from deployq.consumers.topology import Topology


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
        return await run_phase(
            self.driver,
            name,
            self.exchange,
            commands,
            inflight=self.args.inflight,
            timeout=self.args.timeout,
            guard=self.child.process.wait,
            meter=self.meter,
        )


async def rounds(
    args: argparse.Namespace, deployq: Runner, base: Runner | None, flow_id: str, report: Report
) -> None:
    """The measured part: `--rounds` rounds of ceiling, create and read chunks."""
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
    report.ceiling = merge("ceiling", parts["ceiling"]) if base is not None else None
    report.create = merge("deployq create", parts["create"])
    report.read = merge("deployq read", parts["read"])
    for result in report.create.results:
        if result is not None:
            report.outcomes[result.get("outcome", "?")] += 1


async def measure(
    args: argparse.Namespace,
    driver: Driver,
    *,
    namespace: str,
    database: ScratchDatabase,
    logdir: Path,
    report: Report,
) -> None:
    """Start both processes, warm both up, measure, and stop them whatever happened."""
    children: list[Child] = []
    try:
        worker, report.startup_seconds = await start_worker(
            args, driver, namespace, database.dsn, logdir
        )
        children.append(worker)
        await asyncio.sleep(args.idle)
        report.rss["at rest after start-up"] = memory(worker.pid)
        deployq = Runner(
            driver,
            Topology(namespace).commands.name,
            args,
            worker,
            CpuMeter(worker.pid, database.name, database.admin_dsn),
        )
        base: Runner | None = None
        if not args.skip_ceiling:
            child = await start_ceiling(args, driver, namespace, database.dsn, logdir)
            children.append(child)
            exchange, _ = ceiling.names(namespace)
            meter = CpuMeter(child.pid, database.name, database.admin_dsn)
            base = Runner(driver, exchange, args, child, meter)

        flow_id = await flow_create(driver, deployq.exchange, f"bench-{namespace}", args.timeout)
        print(f"  worker pid {worker.pid}; flow {flow_id}", file=sys.stderr)
        if base is not None:
            await base("ceiling warm-up", creates(flow_id, "ceiling-warm", args.warmup))
        warm = await deployq("create warm-up", creates(flow_id, "warm", args.warmup))
        await deployq("read warm-up", reads([r["id"] for r in warm.results if r is not None]))
        if args.pause_before_create:
            print(f"  pausing {args.pause_before_create}s before measuring", file=sys.stderr)
            await asyncio.sleep(args.pause_before_create)

        await rounds(args, deployq, base, flow_id, report)
        report.rss["after the load"] = memory(worker.pid)
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
    names = RunNames.fresh()
    report = Report()
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM ends the run like Ctrl-C: cleaned up, not cut short
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print(
        f"database {names.database}, namespace {names.namespace}; {args.commands} commands per "
        f"phase in {args.rounds} round(s), {args.inflight} in flight, prefetch {args.prefetch}, "
        f"warm-up {args.warmup}",
        file=sys.stderr,
    )
    async with scratch_database(args.database_url, names.database) as database:
        driver: Driver | None = None
        try:
            with tempfile.TemporaryDirectory(prefix="deployq-bench-") as tmp:
                os.makedirs(args.log_dir or tmp, exist_ok=True)
                logdir = Path(args.log_dir or tmp)
                driver = await Driver.connect(args.amqp_url)
                await measure(
                    args,
                    driver,
                    namespace=names.namespace,
                    database=database,
                    logdir=logdir,
                    report=report,
                )
        finally:
            if driver is not None:
                with contextlib.suppress(Exception):
                    await driver.close()
            exchange, queue = ceiling.names(names.namespace)
            with contextlib.suppress(Exception):
                await delete_namespace(
                    args.amqp_url, names.namespace, queues=[queue], exchanges=[exchange]
                )
    return report
