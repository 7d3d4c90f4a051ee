"""One run: its database and namespace, both processes, the warm-ups, the tear-down; the rounds
themselves are `rounds`' part."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from pathlib import Path

from benchmarks import ceiling
from benchmarks.commands.client import Driver
from benchmarks.commands.messages import creates, flow_create, reads, updates
from benchmarks.commands.meter import CpuMeter, memory
from benchmarks.commands.processes import Child, start_ceiling, start_worker, wait_for_consumers
from benchmarks.commands.report import Report
from benchmarks.commands.rounds import Runner, Side, ids_of, rounds
from benchmarks.scratch import RunNames, ScratchDatabase, delete_namespace, scratch_database
from deployq.consumers.topology import Topology


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
        queue = Topology(namespace).command_queue.name

        async def second_worker(name: str) -> Child:
            child, _ = await start_worker(args, driver, namespace, database.dsn, logdir, name=name)
            await wait_for_consumers(driver, queue, 2)
            return child

        deployq = Side(
            Runner(
                driver,
                Topology(namespace).commands.name,
                args,
                worker,
                CpuMeter(worker.pid, database.name, database.admin_dsn),
            ),
            second_worker,
        )
        base: Side | None = None
        if not args.skip_ceiling:
            child = await start_ceiling(args, driver, namespace, database.dsn, logdir)
            children.append(child)
            exchange, ceiling_queue = ceiling.names(namespace)

            async def second_ceiling(name: str) -> Child:
                second = await start_ceiling(
                    args, driver, namespace, database.dsn, logdir, name=name
                )
                await wait_for_consumers(driver, ceiling_queue, 2)
                return second

            meter = CpuMeter(child.pid, database.name, database.admin_dsn)
            base = Side(Runner(driver, exchange, args, child, meter), second_ceiling)

        run = deployq.runner
        flow_id = await flow_create(driver, run.exchange, f"bench-{namespace}", args.timeout)
        print(f"  worker pid {worker.pid}; flow {flow_id}", file=sys.stderr)
        if base is not None:
            await base.runner("ceiling warm-up", creates(flow_id, "ceiling-warm", args.warmup))
        half = args.warmup // 2
        warm = await run("create warm-up", creates(flow_id, "warm", half))
        warm2 = await run(
            "create scheduled warm-up", creates(flow_id, "warm-s", half, scheduled=True)
        )
        ids = ids_of(warm) + ids_of(warm2)
        await run("update warm-up", updates(ids))
        await run("read warm-up", reads(ids))
        if args.pause_before_create:
            print(f"  pausing {args.pause_before_create}s before measuring", file=sys.stderr)
            await asyncio.sleep(args.pause_before_create)

        await rounds(args, deployq, base, flow_id=flow_id, namespace=namespace, report=report)
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
