"""`deployq scheduler` as a child process, and the rows it stores watched from outside.

The scheduler gets the run's database and namespace and R70 settings that make its first main
pass create exactly `runs` runs per hourly schedule (min_runs = max_runs = runs, a window far
wider than `runs` hours). Runs stored per second are read from `count(*)` polled every
POLL seconds: the rows counted between the first poll that saw some and the first that saw them
all, over the time between those two polls.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from benchmarks.commands.processes import Child, spawn

POLL = 0.1
_PASS_LINE = re.compile(r"main pass: (\d+) run\(s\) created for \d+ deployment\(s\) in ([\d.]+)s")


def scheduler_env(
    amqp_url: str, database_url: str, namespace: str, runs: int, extra: list[str]
) -> dict[str, str]:
    """This environment without any DEPLOYQ_* of its own, pointed at the run's database and
    namespace, with R70 settings for `runs` runs per schedule, plus `extra` (KEY=VALUE)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    env.update(
        DEPLOYQ_AMQP_URL=amqp_url,
        DEPLOYQ_DATABASE_URL=database_url,
        DEPLOYQ_NAMESPACE=namespace,
        DEPLOYQ_SCHEDULER_MIN_RUNS=str(runs),
        DEPLOYQ_SCHEDULER_MAX_RUNS=str(runs),
        DEPLOYQ_SCHEDULER_MAX_SCHEDULED_TIME=str(3600 * (runs + 24)),
        DEPLOYQ_SCHEDULER_MIN_SCHEDULED_TIME="3600",
    )
    for pair in extra:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


async def start_scheduler(command: list[str], env: dict[str, str], logdir: Path) -> Child:
    argv = command or [sys.executable, "-m", "deployq", "scheduler"]
    return await spawn("scheduler", argv, env, logdir)


@dataclass(frozen=True, slots=True)
class Stored:
    rate: float  # runs/s between the first poll that saw rows and the one that saw them all
    first: float  # perf_counter of that first poll
    last: float


async def watch_rows(dsn: str, expected: int, child: Child, limit: float = 300.0) -> Stored:
    """Poll `count(*)` of flow_run until `expected` rows are there."""
    connection = await asyncpg.connect(dsn)
    try:
        began = time.perf_counter()
        first: tuple[float, int] | None = None
        while True:
            count = int(await connection.fetchval("SELECT count(*) FROM flow_run"))
            at = time.perf_counter()
            if count and first is None:
                first = (at, count)
            if count >= expected and first is not None:
                span = at - first[0]
                rate = (count - first[1]) / span if span > 0 else float("nan")
                return Stored(rate, first[0], at)
            if child.process.returncode is not None:
                raise RuntimeError(f"scheduler exited:\n{child.tail()}")
            if at - began > limit:
                raise RuntimeError(f"{count}/{expected} runs after {limit:.0f}s")
            await asyncio.sleep(POLL)
    finally:
        await connection.close()


def pass_seconds(child: Child, created: int) -> float:
    """The seconds the scheduler's own log gives for the main pass that created `created` runs
    (from its first page's selection to its last commit): NaN if it logged none."""
    for found in _PASS_LINE.finditer(child.log.read_text(errors="replace")):
        if int(found[1]) == created:
            return float(found[2])
    return float("nan")
