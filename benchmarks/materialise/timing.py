"""The passes timed, and the figures printed: runs/s against the raw inserts of the same rows,
and the steady pass (nothing to create) at two sizes.

Medians of interleaved rounds, so that a burst of other work on a shared host does not land on
one side of a ratio only.
"""

from __future__ import annotations

import statistics
import time
import uuid

import asyncpg
import sqlalchemy as sa

from benchmarks.figures import figure, ratios, record
from benchmarks.materialise.raw_writes import capture, write_raw
from benchmarks.materialise.seed import NOW, add_deployments, count_rows, outbox_events, reset
from deployq.clock import fixed
from deployq.scheduling.passes import PAGE_CONCURRENCY, main_pass
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database

PASS_TARGET = 0.30  # of the faster raw insert of the same rows


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


async def steady(db: Database, settings: SchedulerSettings, repeat: int = 9) -> list[float]:
    """Seconds of each of `repeat` main passes that find nothing to do.

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
    return times


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
    raw_rates = [max(a, b) for a, b in zip(rates["raw"], rates["chunked"], strict=True)]
    print("per round: median (min to max)")
    record(
        [
            figure(f"scheduler pass, {expected:,} runs: runs/s", rates["pass"], "/s"),
            figure("raw INSERT … SELECT unnest of the same runs: rows/s", raw_rates, "/s"),
            figure(
                "scheduler pass / raw insert",
                ratios(rates["pass"], raw_rates),
                "%",
                at_least=PASS_TARGET,
            ),
            figure(
                "scheduler pass / raw insert of all it writes",
                ratios(rates["pass"], rates["all"]),
                "%",
            ),
        ]
    )


async def steady_state(db: Database, flow_id: uuid.UUID, small: int, large: int) -> None:
    """A pass with nothing to create, under the R70 defaults, for `small` then `large`
    deployments, every schedule stocked alike (by a pass under the same defaults)."""
    defaults = SchedulerSettings()
    await reset(db)
    stocked = await main_pass(db, defaults, fixed(NOW))
    assert stocked.created == small * defaults.min_runs
    small_times = await steady(db, defaults)
    await add_deployments(db, flow_id, large - small, "b-")
    filled = await main_pass(db, defaults, fixed(NOW))
    assert filled.created == (large - small) * defaults.min_runs
    large_times = await steady(db, defaults)
    small_seconds, large_seconds = statistics.median(small_times), statistics.median(large_times)
    print(f"steady pass          {small:>9,} deployments {small_seconds * 1000:7.1f} ms")
    print(f"                     {large:>9,} deployments {large_seconds * 1000:7.1f} ms")
    print(
        f"                     {large_seconds / small_seconds:>9.1f}x the time"
        f" for {large / small:.0f}x the deployments"
    )
    record(
        [
            figure(f"steady pass, {small:,} deployments", [t * 1000 for t in small_times], "ms"),
            figure(f"steady pass, {large:,} deployments", [t * 1000 for t in large_times], "ms"),
            figure(
                f"steady pass, {large:,} / {small:,} deployments: time",
                ratios(large_times, small_times),
                "x",
                note=f"linear: {large / small:.0f}x",
            ),
        ]
    )
