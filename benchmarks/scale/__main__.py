"""`python -m benchmarks.scale`: the sizes in turn, the passes timed, the figures."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import sqlalchemy as sa

import benchmarks.scale
from benchmarks import scratch
from benchmarks.figures import Figure, figure, record
from benchmarks.materialise.seed import NOW, add_deployments, add_flow, count_rows, reset
from deployq.clock import fixed
from deployq.scheduling.passes import main_pass
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database, create_engine

STEADY_TARGET_MS = 1000.0  # for 100,000 deployments
TARGET_SIZE = 100_000


async def timed(db: Database, settings: SchedulerSettings, created: int) -> float:
    """Seconds of one main pass, which must create `created` runs."""
    began = time.perf_counter()
    result = await main_pass(db, settings, fixed(NOW))
    elapsed = time.perf_counter() - began
    assert result.created == created, result
    return elapsed


async def at_size(db: Database, size: int, args: argparse.Namespace) -> list[Figure]:
    defaults = SchedulerSettings()
    cold = []
    for _ in range(args.repeat):
        await reset(db)
        cold.append(await timed(db, defaults, size * defaults.min_runs))
    assert await count_rows(db, "flow_run") == size * defaults.min_runs
    async with db.reading() as uow:
        await uow.connection.execute(sa.text("VACUUM ANALYZE"))
    steady = [await timed(db, defaults, 0) for _ in range(args.steady)]
    cold_s, steady_s = statistics.median(cold), statistics.median(steady)
    print(
        f"{size:>9,} deployments  cold fill {cold_s:8.2f} s ({cold_s / size * 1e6:6.1f} µs each)"
        f"  steady {steady_s * 1000:8.1f} ms ({steady_s / size * 1e6:5.2f} µs each)",
        flush=True,
    )
    target = {"at_most": STEADY_TARGET_MS} if size == TARGET_SIZE else {}
    return [
        figure(f"cold fill, {size:,} deployments (3 runs each)", cold, "s"),
        figure(f"cold fill per deployment, {size:,}", [t / size * 1e6 for t in cold], "µs"),
        figure(f"steady pass, {size:,} deployments", [t * 1000 for t in steady], "ms", **target),
        figure(f"steady pass per deployment, {size:,}", [t / size * 1e6 for t in steady], "µs"),
    ]


async def bench(args: argparse.Namespace) -> None:
    sizes = sorted(int(s) for s in args.sizes.split(","))
    names = scratch.RunNames.fresh("scale")
    figures: list[Figure] = []
    async with scratch.scratch_database(args.database_url, names.database) as database:
        db = Database(create_engine(database.url))
        try:
            flow_id = await add_flow(db)
            seeded = 0
            for size in sizes:
                began = time.perf_counter()
                await add_deployments(db, flow_id, size - seeded, f"s{size}-")
                print(
                    f"  seeded {size - seeded:,} deployments in {time.perf_counter() - began:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
                seeded = size
                figures += await at_size(db, size, args)
        finally:
            await db.dispose()
    print("per repetition: median (min to max)")
    record(figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale",
        description=(benchmarks.scale.__doc__ or "").splitlines()[0],
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3, help="cold fills per size")
    parser.add_argument("--steady", type=int, default=5, help="steady passes per size")
    parser.add_argument("--database-url", default=scratch.database_url())
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
