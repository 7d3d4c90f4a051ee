"""deployq's side of `benchmarks.peer`: `deployment.create` through a worker, and a scheduler
pass, against the run's own database.

The creates go through `deployq worker` exactly as in `benchmarks.commands` (same bodies, same
load generator, K in flight); the pass is `main_pass` in this process, as in
`benchmarks.materialise`, over deployments seeded with one hourly schedule each.
"""

from __future__ import annotations

import argparse
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.commands.client import Driver
from benchmarks.commands.load import Phase, run_phase
from benchmarks.commands.messages import creates, flow_create
from benchmarks.commands.processes import Child, start_worker
from benchmarks.materialise.seed import add_deployments, settings_for
from benchmarks.materialise.timing import timed_pass
from benchmarks.scratch import ScratchDatabase
from deployq.consumers.topology import Topology
from deployq.scheduling.passes import PAGE_CONCURRENCY
from deployq.storage.database import Database, create_engine


@dataclass(slots=True)
class DeployqSide:
    args: argparse.Namespace
    driver: Driver
    worker: Child
    db: Database
    exchange: str
    flow_id: str
    scheduled: int = 0

    async def create(self, prefix: str, count: int) -> Phase:
        phase = await run_phase(
            self.driver,
            "deployq create",
            self.exchange,
            creates(self.flow_id, prefix, count),
            inflight=self.args.inflight,
            timeout=self.args.timeout,
            guard=self.worker.process.wait,
        )
        if phase.error_count:
            raise RuntimeError(f"deployment.create failed: {dict(phase.errors)}")
        return phase

    async def seed(self, count: int) -> None:
        """`count` deployments with one hourly schedule, for the passes."""
        await add_deployments(self.db, uuid.UUID(self.flow_id), count, "scheduled-")
        self.scheduled += count

    async def schedule(self) -> tuple[float, float]:
        """Runs per second of one pass making `--runs` runs for each seeded deployment, and
        its CPU seconds (from no runs at all: the tables are emptied first)."""
        runs = self.args.runs
        return await timed_pass(
            self.db, settings_for(runs), self.scheduled * runs, concurrency=PAGE_CONCURRENCY
        )


@contextlib.asynccontextmanager
async def deployq_side(
    args: argparse.Namespace, database: ScratchDatabase, namespace: str, logdir: Path
) -> AsyncIterator[DeployqSide]:
    driver = await Driver.connect(args.amqp_url)
    db = Database(create_engine(database.url))
    try:
        worker, _ = await start_worker(args, driver, namespace, database.dsn, logdir)
        try:
            exchange = Topology(namespace).commands.name
            flow_id = await flow_create(driver, exchange, f"peer-{namespace}", args.timeout)
            side = DeployqSide(args, driver, worker, db, exchange, flow_id)
            await side.create("warm", args.warmup)
            yield side
        finally:
            await worker.stop()
    finally:
        await db.dispose()
        await driver.close()
