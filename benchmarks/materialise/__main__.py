"""`python -m benchmarks.materialise`: the command line and the run's own database."""

from __future__ import annotations

import argparse
import asyncio

import benchmarks.materialise
from benchmarks import scratch
from benchmarks.materialise.seed import add_deployments, add_flow, settings_for
from benchmarks.materialise.timing import steady_state, throughput
from deployq.storage.database import Database, create_engine


async def bench(
    database_url: str, deployments: int, runs: int, steady_count: int, rounds: int
) -> None:
    names = scratch.RunNames.fresh("mat")
    async with scratch.scratch_database(database_url, names.database) as database:
        db = Database(create_engine(database.url))
        try:
            flow_id = await add_flow(db)
            await add_deployments(db, flow_id, deployments, "a-")
            await throughput(db, database.dsn, settings_for(runs), deployments * runs, rounds)
            await steady_state(db, flow_id, deployments, steady_count)
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.materialise",
        description=(benchmarks.materialise.__doc__ or "").splitlines()[0],
    )
    parser.add_argument("--database-url", default=scratch.database_url())
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steady", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.database_url, args.deployments, args.runs, args.steady, args.rounds))


if __name__ == "__main__":
    main()
