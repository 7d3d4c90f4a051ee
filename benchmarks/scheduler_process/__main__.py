"""`python -m benchmarks.scheduler_process`: the command line, the repetitions, the figures."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import aio_pika
import asyncpg
import sqlalchemy as sa

import benchmarks.scheduler_process
from benchmarks import scratch
from benchmarks.commands.meter import CpuMeter, CpuUse
from benchmarks.commands.processes import spawn
from benchmarks.figures import figure, ratios, record
from benchmarks.materialise.raw_writes import capture, write_raw
from benchmarks.materialise.seed import add_deployments, add_flow, reset
from benchmarks.scheduler_process.subscriber import Counter, subscribed
from benchmarks.scheduler_process.watch import (
    pass_seconds,
    scheduler_env,
    start_scheduler,
    watch_rows,
)
from deployq.storage.database import Database, create_engine

RUNS_TARGET = 0.40  # of a raw insert of the same rows, same run
EVENTS_TARGET = 0.70  # of a bare publisher with confirms, same run

Rows = dict[str, list[float]]


def show_cpu(label: str, use: CpuUse) -> None:
    print(
        f"    {label:<10} cores: under test {use.under_test:.2f}, rabbitmq {use.rabbitmq:.2f}, "
        f"postgres {use.postgres:.2f}, this process {use.driver:.2f}, others {use.others:.2f}",
        file=sys.stderr,
        flush=True,
    )


async def scheduler_side(
    args: argparse.Namespace, *, database: scratch.ScratchDatabase, namespace: str,
    counter: Counter, logdir: Path, rows: Rows,
) -> None:  # fmt: skip
    """One `deployq scheduler` from start to its last event at the subscriber; then the raw
    insert of the rows it stored."""
    expected = args.deployments * args.runs
    env = scheduler_env(args.amqp_url, database.url, namespace, args.runs, args.scheduler_env)
    counter.reset(expected)
    child = await start_scheduler(shlex.split(args.scheduler_command), env, logdir)
    meter = CpuMeter(child.pid, database.name, database.admin_dsn)
    try:
        began = meter.start()
        stored = await watch_rows(database.dsn, expected, child)
        await counter.wait(30.0)
        use, wall = meter.since(began), time.perf_counter() - began[0]
    except BaseException:
        print(child.tail(), file=sys.stderr)
        raise
    finally:
        await child.stop()
    rows["runs"].append(stored.rate)
    rows["whole"].append(expected / pass_seconds(child, expected))
    rows["events"].append(counter.rate)
    lag = counter.last - stored.last
    print(
        f"    scheduler: {stored.rate:,.0f} runs/s stored, {counter.rate:,.0f} events/s at the "
        f"subscriber (last event {lag:+.2f}s after the last rows seen); "
        f"{rows['whole'][-1]:,.0f} runs/s over the whole pass (its log)",
        file=sys.stderr,
    )
    show_cpu("scheduler", use)
    print(f"    scheduler CPU {use.under_test * wall:.1f} s over {wall:.1f} s", file=sys.stderr)
    connection = await asyncpg.connect(database.dsn)
    try:
        captured = await capture(connection)
    finally:
        await connection.close()
    raw = [await write_raw(database.dsn, captured, chunk=size) for size in (None, 500)]
    rows["raw"].append(max(raw))
    print(f"    raw insert: {max(raw):,.0f} rows/s", file=sys.stderr)


async def publisher_side(
    args: argparse.Namespace, *, database: scratch.ScratchDatabase, namespace: str,
    counter: Counter, logdir: Path, rows: Rows,
) -> None:  # fmt: skip
    """The bare publisher sending as many messages, of the events' mean size."""
    expected = args.deployments * args.runs
    size = counter.mean_size
    child = await spawn(
        "publisher",
        [
            sys.executable, "-m", "benchmarks.scheduler_process.publisher",
            "--amqp-url", args.amqp_url, "--namespace", namespace,
            "--count", str(expected), "--size", str(size),
        ],
        dict(os.environ),
        logdir,
        stdin=True,
    )  # fmt: skip
    meter = CpuMeter(child.pid, database.name, database.admin_dsn)
    assert child.process.stdout is not None
    assert child.process.stdin is not None
    try:
        if (await child.process.stdout.readline()).strip() != b"ready":
            raise RuntimeError(f"publisher did not start:\n{child.tail()}")
        counter.reset(expected)
        began = meter.start()
        child.process.stdin.write(b"go\n")
        await child.process.stdin.drain()
        await counter.wait(30.0)
        use = meter.since(began)
        await child.process.stdout.readline()
    finally:
        await child.stop()
    rows["bare"].append(counter.rate)
    print(f"    bare publisher: {counter.rate:,.0f} messages/s of {size} bytes", file=sys.stderr)
    show_cpu("publisher", use)


async def age(db: Database) -> None:
    """Make the deployments and schedules an hour old, so that the main pass alone creates
    the runs (fresh ones are the recent loop's too, R73, which would split the pages)."""
    async with db.transaction() as uow:
        for table in ("deployment", "deployment_schedule"):
            statement = f"UPDATE {table} SET updated = updated - interval '1 hour'"
            await uow.connection.execute(sa.text(statement))
        await uow.commit()


async def bench(args: argparse.Namespace) -> None:
    names = scratch.RunNames.fresh("sched")
    rows: Rows = {k: [] for k in ("runs", "whole", "raw", "events", "bare")}
    async with scratch.scratch_database(args.database_url, names.database) as database:
        db = Database(create_engine(database.url))
        connection = await aio_pika.connect(args.amqp_url)
        try:
            await add_deployments(db, await add_flow(db), args.deployments, "a-")
            await age(db)
            async with subscribed(connection, names.namespace) as counter:
                with tempfile.TemporaryDirectory(prefix="deployq-bench-") as logdir:
                    for number in range(1, args.repeat + 1):
                        print(f"  repetition {number}/{args.repeat}", file=sys.stderr, flush=True)
                        await reset(db)
                        sides = {
                            "database": database, "namespace": names.namespace,
                            "counter": counter, "logdir": Path(logdir), "rows": rows,
                        }  # fmt: skip
                        await scheduler_side(args, **sides)
                        await publisher_side(args, **sides)
        finally:
            await connection.close()
            await db.dispose()
            await scratch.delete_namespace(args.amqp_url, names.namespace)
    report(args, rows)


def report(args: argparse.Namespace, rows: Rows) -> None:
    expected = args.deployments * args.runs
    print(f"{args.deployments:,} deployments x {args.runs} runs = {expected:,} runs and events")
    print("per repetition: median (min to max)")
    record(
        [
            figure("deployq scheduler: runs stored/s", rows["runs"], "/s"),
            figure("raw INSERT … SELECT unnest of the same rows: rows/s", rows["raw"], "/s"),
            figure(
                "scheduler process runs/s (whole pass, its log) / raw insert",
                ratios(rows["whole"], rows["raw"]),
                "%",
                at_least=RUNS_TARGET,
            ),
            figure(
                "the same from the first rows committed to the last (polled) / raw",
                ratios(rows["runs"], rows["raw"]),
                "%",
            ),
            figure("flow_run.created events/s at the subscriber", rows["events"], "/s"),
            figure("bare aio-pika publisher (confirms): messages/s", rows["bare"], "/s"),
            figure(
                "scheduler events/s / bare publisher",
                ratios(rows["events"], rows["bare"]),
                "%",
                at_least=EVENTS_TARGET,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scheduler_process",
        description=(benchmarks.scheduler_process.__doc__ or "").splitlines()[0],
    )
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100, help="runs per deployment")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--amqp-url", default=scratch.amqp_url())
    parser.add_argument("--database-url", default=scratch.database_url())
    parser.add_argument(
        "--scheduler-env", action="append", default=[], help="KEY=VALUE for the scheduler"
    )
    parser.add_argument(
        "--scheduler-command", default="", help="instead of `python -m deployq scheduler`"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
