"""Runs materialised per second by a scheduler pass, against a raw bulk insert of the same rows.

In a database of its own (created, migrated, dropped): 1,000 deployments with an hourly schedule,
one scheduler pass creating 100 runs each (100,000 runs with their state rows and outbox events),
then the same 100,000 rows inserted raw (`INSERT … SELECT … FROM unnest(…) ON CONFLICT DO NOTHING`
through asyncpg) into a fresh copy of `flow_run`. Then the time of a pass with nothing to create
(steady state, R70 default settings) for 1,000 and for 10,000 deployments.

Run: python -m benchmarks.materialise [--deployments 1000] [--runs 100] [--steady 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.raw_writes import capture, write_raw
from deployq.clock import fixed
from deployq.scheduling.passes import PAGE_CONCURRENCY, main_pass
from deployq.settings import DEFAULT_DATABASE_URL, SchedulerSettings
from deployq.storage.database import Database, create_engine, plain_dsn
from deployq.storage.migrate import upgrade

NOW = datetime.now(UTC).replace(microsecond=0)
ANCHOR = NOW + timedelta(seconds=1)


def settings_for(runs: int) -> SchedulerSettings:
    """`runs` runs per hourly schedule: min_runs = max_runs = runs, the window far wider."""
    return SchedulerSettings(
        max_runs=runs,
        min_runs=runs,
        min_scheduled_time=timedelta(hours=1),
        max_scheduled_time=timedelta(days=100),
        deployment_batch_size=100,
        insert_batch_size=500,
    )


async def add_deployments(db: Database, flow_id: uuid.UUID, count: int, prefix: str) -> None:
    """`count` deployments with one hourly schedule each, in two statements."""
    ids = [uuid.uuid4() for _ in range(count)]
    document = orjson.dumps(
        {"interval": 3600, "anchor_date": ANCHOR.isoformat(), "timezone": "UTC"}
    ).decode()
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.text(
                "INSERT INTO deployment (id, name, flow_id, tags, labels, parameters, "
                "work_queue_name, version) SELECT id, :prefix || n, :flow_id, "
                """'["bench", "hourly"]', '{"team": "bench"}', '{"rows": 100, "mode": "full"}', """
                "'default', 'v1' FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, n)"
            ),
            {"ids": ids, "flow_id": flow_id, "prefix": prefix},
        )
        await uow.connection.execute(
            sa.text(
                "INSERT INTO deployment_schedule (deployment_id, schedule, parameters) "
                """SELECT id, CAST(:document AS jsonb), '{"mode": "hourly"}' """
                "FROM unnest(CAST(:ids AS uuid[])) AS t(id)"
            ),
            {"ids": ids, "document": document},
        )
        await uow.commit()


async def count_rows(db: Database, table: str) -> int:
    async with db.reading() as uow:
        return int(
            (await uow.connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
        )


async def outbox_events(db: Database) -> int:
    statement = sa.text("SELECT coalesce(sum(cardinality(event_ids)), 0) FROM outbox")
    async with db.reading() as uow:
        return int((await uow.connection.execute(statement)).scalar_one())


async def reset(db: Database) -> None:
    """Forget every run, state and event, so each measured pass starts from the same tables."""
    async with db.transaction() as uow:
        await uow.connection.execute(sa.text("TRUNCATE flow_run, flow_run_state, task_run, outbox"))
        await uow.commit()
    async with db.reading() as uow:
        await uow.connection.execute(sa.text("CHECKPOINT"))


async def timed_pass(
    db: Database, settings: SchedulerSettings, expected: int, concurrency: int
) -> tuple[float, float]:
    """Runs per second of one pass that creates `expected` runs, and its CPU seconds here."""
    await reset(db)
    began, cpu = time.perf_counter(), time.process_time()
    result = await main_pass(db, settings, fixed(NOW), concurrency=concurrency)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert result.created == expected, result
    assert await count_rows(db, "flow_run") == expected
    assert await count_rows(db, "flow_run_state") == expected
    assert await outbox_events(db) == expected
    return expected / elapsed, cpu


async def steady(db: Database, settings: SchedulerSettings, repeat: int = 9) -> float:
    """Median seconds of a main pass that finds nothing to do.

    Measured after VACUUM ANALYZE, as autovacuum leaves a table some time after a bulk insert;
    right after one, the first passes also pay for setting hint bits and for heap fetches that
    index-only scans skip once the visibility map is set.
    """
    async with db.reading() as uow:
        await uow.connection.execute(sa.text("VACUUM ANALYZE"))
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = await main_pass(db, settings, fixed(NOW))
        times.append(time.perf_counter() - began)
        assert result.created == 0, result
    return statistics.median(times)


async def throughput(
    db: Database, dsn: str, settings: SchedulerSettings, expected: int, rounds: int
) -> None:
    """The pass (two pages at once, and one), the raw insert of its runs, and the raw insert
    of everything it writes; medians of `rounds` interleaved rounds."""
    rates: dict[str, list[float]] = {
        k: [] for k in ("pass", "pass1", "raw", "chunked", "states", "all")
    }
    cpus: list[float] = []
    chunk = settings.insert_batch_size
    per_page = settings.deployment_batch_size * settings.max_runs
    for _ in range(rounds):
        rate, cpu = await timed_pass(db, settings, expected, concurrency=PAGE_CONCURRENCY)
        rates["pass"].append(rate)
        cpus.append(cpu)
        connection = await asyncpg.connect(dsn)
        captured = await capture(connection)
        await connection.close()
        rates["pass1"].append((await timed_pass(db, settings, expected, concurrency=1))[0])
        for key, size, states, events in (
            ("raw", None, False, False),
            ("chunked", chunk, False, False),
            ("states", chunk, True, False),
            ("all", chunk, True, True),
        ):
            rates[key].append(
                await write_raw(
                    dsn, captured, chunk=size, states=states, events=events, per_outbox_row=per_page
                )
            )
    best = {k: statistics.median(v) for k, v in rates.items()}
    raw = max(best["raw"], best["chunked"])
    print(f"{expected:,} runs; medians of {rounds} rounds")
    print(
        f"scheduler pass       {best['pass']:>9,.0f} runs/s"
        f"  ({PAGE_CONCURRENCY} pages at once; {statistics.median(cpus):.2f} s CPU here)"
    )
    print(f"  one page at a time {best['pass1']:>9,.0f} runs/s")
    print(f"raw flow_run insert  {best['raw']:>9,.0f} rows/s  (one statement)")
    print(f"                     {best['chunked']:>9,.0f} rows/s  ({chunk} rows a statement)")
    print(f"ratio                {best['pass'] / raw:>9.0%}  of the faster raw insert")
    print(f"  one page at a time {best['pass1'] / raw:>9.0%}")
    print(f"raw runs + states    {best['states']:>9,.0f} runs/s")
    print(
        f"raw, all it writes   {best['all']:>9,.0f} runs/s"
        "  (runs + state rows + outbox rows, the same bytes)"
    )
    print(f"pass / that          {best['pass'] / best['all']:>9.0%}")


async def steady_state(db: Database, flow_id: uuid.UUID, small: int, large: int) -> None:
    """A pass with nothing to create, under the R70 defaults, for `small` then `large`
    deployments, every schedule stocked alike (by a pass under the same defaults)."""
    defaults = SchedulerSettings()
    await reset(db)
    stocked = await main_pass(db, defaults, fixed(NOW))
    assert stocked.created == small * defaults.min_runs
    small_seconds = await steady(db, defaults)
    await add_deployments(db, flow_id, large - small, "b-")
    filled = await main_pass(db, defaults, fixed(NOW))
    assert filled.created == (large - small) * defaults.min_runs
    large_seconds = await steady(db, defaults)
    print(f"steady pass          {small:>9,} deployments {small_seconds * 1000:7.1f} ms")
    print(f"                     {large:>9,} deployments {large_seconds * 1000:7.1f} ms")
    print(
        f"                     {large_seconds / small_seconds:>9.1f}x the time"
        f" for {large / small:.0f}x the deployments"
    )


async def bench(
    database_url: str, deployments: int, runs: int, steady_count: int, rounds: int
) -> None:
    server = make_url(database_url)
    name = f"deployq_bench_mat_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    db = Database(create_engine(url))
    try:
        await asyncio.to_thread(upgrade, url)
        async with db.transaction() as uow:
            statement = sa.text("INSERT INTO flow (name) VALUES ('bench') RETURNING id")
            flow_id = (await uow.connection.execute(statement)).scalar_one()
            await uow.commit()
        await add_deployments(db, flow_id, deployments, "a-")
        await throughput(db, plain_dsn(url), settings_for(runs), deployments * runs, rounds)
        await steady_state(db, flow_id, deployments, steady_count)
    finally:
        await db.dispose()
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steady", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.database_url, args.deployments, args.runs, args.steady, args.rounds))


if __name__ == "__main__":
    main()
