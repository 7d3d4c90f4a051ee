"""Two `deployq scheduler` processes at once: the runs and events of one (R74, CONTRACT §4, §6)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import aio_pika
import orjson
import pytest
from aio_pika.abc import AbstractIncomingMessage

from deployq.bootstrap import lifespan
from deployq.scheduler import serve
from deployq.settings import SchedulerSettings, Settings
from deployq.sidecars import sidecars
from deployq.storage.database import Database
from tests.e2e.wire import MARKS, Wire, result
from tests.integration.builders import make_deployment, make_flow
from tests.integration.runs_support import grid, runs
from tests.support import unique, wait_until

pytestmark = [*MARKS, pytest.mark.slow]

RUNS_EACH = 5
INTERVALS = [3600, 7200, 86400, 7 * 86400, 5400]


@asynccontextmanager
async def schedulers(settings: Settings, logs: Path, count: int) -> AsyncIterator[None]:
    """`count` scheduler processes on the test database and namespace, SIGTERMed on exit."""
    env = {
        **os.environ,
        "DEPLOYQ_DATABASE_URL": settings.database_url,
        "DEPLOYQ_AMQP_URL": settings.amqp_url,
        "DEPLOYQ_NAMESPACE": settings.namespace,
        "DEPLOYQ_SCHEDULER_LOOP_SECONDS": "0.2",
        "DEPLOYQ_SCHEDULER_RECENT_LOOP_SECONDS": "0.2",
        "DEPLOYQ_SCHEDULER_DEPLOYMENT_BATCH_SIZE": "2",
        "DEPLOYQ_SCHEDULER_INSERT_BATCH_SIZE": "3",
        "DEPLOYQ_SCHEDULER_MIN_RUNS": str(RUNS_EACH),
        "DEPLOYQ_LOG_LEVEL": "INFO",
    }
    processes = []
    for n in range(count):
        with (logs / f"scheduler-{n}.log").open("wb") as log:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "deployq", "scheduler", env=env, stderr=log
                )
            )
    try:
        yield
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), 30) for p in processes]
        for n in range(count):
            sys.stderr.write((logs / f"scheduler-{n}.log").read_text())
        assert codes == [0] * count


class Subscriber:
    """A queue of the test's own on `<ns>.events`, bound to `flow_run.created.#`."""

    def __init__(self) -> None:
        self.messages: list[AbstractIncomingMessage] = []

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        self.messages.append(message)

    def for_deployments(self, ids: set[str]) -> list[AbstractIncomingMessage]:
        return [m for m in self.messages if (m.routing_key or "").rsplit(".", 1)[-1] in ids]


@pytest.fixture
async def subscriber(settings: Settings) -> AsyncIterator[Subscriber]:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{settings.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="flow_run.created.#")
        found = Subscriber()
        await queue.consume(found.on_message, no_ack=True)
        yield found


async def test_two_scheduler_processes_create_each_run_once(
    wire: Wire,
    db: Database,
    settings: Settings,
    subscriber: Subscriber,
    tmp_path: Path,
) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    flow = result(await wire.write("flow.create", {"name": unique("flow")}))
    made: dict[str, int] = {}

    async def stored() -> dict[str, list[Any]]:
        return {d: await runs(db, UUID(d)) for d in made}

    async def all_stocked() -> bool:
        return all(len(r) >= RUNS_EACH for r in (await stored()).values())

    async def all_announced() -> bool:
        return len(subscriber.for_deployments(set(made))) >= RUNS_EACH * len(made)

    async with schedulers(settings, tmp_path, 2):
        # Created while both schedulers run, so their passes and loops overlap.
        for seconds in INTERVALS * 3:
            body = {
                "flow_name": flow["name"],
                "name": unique("sched"),
                "schedules": [
                    {"schedule": {"interval": seconds, "anchor_date": anchor.isoformat()}}
                ],
            }
            created = result(await wire.write("deployment.create", body))
            made[created["id"]] = seconds
        await wait_until(all_stocked, timeout=30)
        await wait_until(all_announced, timeout=30)
        # Both schedulers keep passing; for a while nothing more may appear.
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            counts = {d: len(r) for d, r in (await stored()).items()}
            assert counts == dict.fromkeys(made, RUNS_EACH)
            assert len(subscriber.for_deployments(set(made))) == RUNS_EACH * len(made)
            await asyncio.sleep(0.05)

    rows = await stored()
    for deployment_id, seconds in made.items():
        dates = [r["next_scheduled_start_time"] for r in rows[deployment_id]]
        assert dates == grid(anchor, timedelta(seconds=seconds), RUNS_EACH)
    run_ids = {str(r["id"]): d for d, found in rows.items() for r in found}
    per_run: defaultdict[str, int] = defaultdict(int)
    for message in subscriber.for_deployments(set(made)):
        event = orjson.loads(message.body)
        assert message.content_type == "application/cloudevents+json"
        assert message.message_id == event["id"]
        assert message.type == "deployq.flow_run.created"
        assert {k: event[k] for k in ("specversion", "source", "type", "datacontenttype")} == {
            "specversion": "1.0",
            "source": "deployq",
            "type": "deployq.flow_run.created",
            "datacontenttype": "application/json",
        }
        assert event["subject"] == event["data"]["id"]
        assert message.routing_key == f"flow_run.created.{run_ids[event['subject']]}"
        assert event["data"]["deployment_id"] == run_ids[event["subject"]]
        per_run[event["subject"]] += 1
    assert per_run == dict.fromkeys(run_ids, 1)


async def test_scheduler_service_in_process_counts_runs_and_stops(
    settings: Settings, db: Database
) -> None:
    """`serve`: both loops and the relay run until `stop`, and the runs-created metric moves."""
    fast = settings.model_copy(
        update={"scheduler": SchedulerSettings(loop_seconds=0.1, recent_loop_seconds=0.1)}
    )
    now = datetime.now(UTC)
    flow = await make_flow(db, now)
    anchor = now.replace(microsecond=0) + timedelta(minutes=30)
    dep = await make_deployment(
        db, flow.id, now, schedules=[{"schedule": {"interval": 3600, "anchor_date": anchor}}]
    )
    stop, ready = asyncio.Event(), asyncio.Event()

    async with lifespan(fast) as deps, sidecars(deps):
        task = asyncio.create_task(serve(deps, stop, ready))
        await asyncio.wait_for(ready.wait(), 30)

        async def stocked() -> bool:
            return len(await runs(db, dep.id)) == 3

        await wait_until(stocked)
        created = deps.metrics.registry.get_sample_value("deployq_runs_created_total")
        stop.set()
        await asyncio.wait_for(task, 30)

    assert created is not None
    assert created >= 3
    assert [r["next_scheduled_start_time"] for r in await runs(db, dep.id)] == grid(
        anchor, timedelta(hours=1), 3
    )
