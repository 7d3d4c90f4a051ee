"""`python -m benchmarks.materialise`: the command line and the run's own database."""

from __future__ import annotations

import argparse
import asyncio

import sqlalchemy as sa

import benchmarks.materialise
from benchmarks import scratch
from benchmarks.materialise.seed import add_deployments, settings_for
from benchmarks.materialise.timing import steady_state, throughput
from deployq.storage.database import Database, create_engine


async def bench(
    database_url: str, deployments: int, runs: int, steady_count: int, rounds: int
) -> None:
    names = scratch.RunNames.fresh("mat")
    async with scratch.scratch_database(database_url, names.database) as database:
        db = Database(create_engine(database.url))
        try:
            async with db.transaction() as uow:
                statement = sa.text("INSERT INTO flow (name) VALUES ('bench') RETURNING id")
                flow_id = (await uow.connection.execute(statement)).scalar_one()
                await uow.commit()
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
