"""Two `deployq scheduler` processes at once: the runs and events of one (R74, CONTRACT §4, §6)."""

from __future__ import annotations

import contextlib
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from deployq.settings import SchedulerSettings, Settings
from deployq.storage.database import Database
from tests.cloudevents import envelope_of
from tests.e2e.wire import Wire
from tests.integration.builders import make_deployment, make_flow
from tests.integration.runs_support import grid, runs
from tests.subscriber import Subscriber, subscribed
from tests.support import holds, ok, unique, wait_until
from tests.workers import deployq_process, running_scheduler

pytestmark = pytest.mark.slow

RUNS_EACH = 5
INTERVALS = [3600, 7200, 86400, 7 * 86400, 5400]


@asynccontextmanager
async def schedulers(settings: Settings, count: int) -> AsyncIterator[None]:
    """`count` scheduler processes on the test database and namespace, SIGTERMed on exit."""
    fast = {
        "DEPLOYQ_SCHEDULER_LOOP_SECONDS": "0.2",
        "DEPLOYQ_SCHEDULER_RECENT_LOOP_SECONDS": "0.2",
        "DEPLOYQ_SCHEDULER_DEPLOYMENT_BATCH_SIZE": "2",
        "DEPLOYQ_SCHEDULER_INSERT_BATCH_SIZE": "3",
        "DEPLOYQ_SCHEDULER_MIN_RUNS": str(RUNS_EACH),
    }
    async with contextlib.AsyncExitStack() as stack:
        processes = [
            await stack.enter_async_context(deployq_process("scheduler", settings, **fast))
            for _ in range(count)
        ]
        yield
        codes = [await p.terminate(timeout=30) for p in processes]
        for process in processes:
            sys.stderr.write(process.log)
        assert codes == [0] * count


@pytest.fixture
async def subscriber(settings: Settings) -> AsyncIterator[Subscriber]:
    """The runs created on the session namespace, as announced."""
    async with subscribed(
        settings.amqp_url, settings.namespace, binding="flow_run.created.#"
    ) as found:
        yield found


async def test_two_scheduler_processes_create_each_run_once(
    wire: Wire,
    db: Database,
    settings: Settings,
    subscriber: Subscriber,
) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    flow = ok(await wire.write("flow.create", {"name": unique("flow")}))
    made: dict[str, int] = {}

    async def stored() -> dict[str, list[Any]]:
        return {d: await runs(db, UUID(d)) for d in made}

    async def all_stocked() -> bool:
        return all(len(r) >= RUNS_EACH for r in (await stored()).values())

    async def all_announced() -> bool:
        return len(subscriber.about(*made)) >= RUNS_EACH * len(made)

    async with schedulers(settings, 2):
        # Created while both schedulers run, so their passes and loops overlap.
        for seconds in INTERVALS * 3:
            body = {
                "flow_name": flow["name"],
                "name": unique("sched"),
                "schedules": [
                    {"schedule": {"interval": seconds, "anchor_date": anchor.isoformat()}}
                ],
            }
            created = ok(await wire.write("deployment.create", body))
            made[created["id"]] = seconds
        await wait_until(all_stocked, timeout=30)
        await wait_until(all_announced, timeout=30)

        async def unchanged() -> None:
            counts = {d: len(r) for d, r in (await stored()).items()}
            assert counts == dict.fromkeys(made, RUNS_EACH)
            assert len(subscriber.about(*made)) == RUNS_EACH * len(made)

        # Both schedulers keep passing; for a while nothing more may appear.
        await holds(unchanged, window=1.5, interval=0.05)

    rows = await stored()
    for deployment_id, seconds in made.items():
        dates = [r["next_scheduled_start_time"] for r in rows[deployment_id]]
        assert dates == grid(anchor, timedelta(seconds=seconds), RUNS_EACH)
    run_ids = {str(r["id"]): d for d, found in rows.items() for r in found}
    per_run: defaultdict[str, int] = defaultdict(int)
    for message in subscriber.about(*made):
        event = envelope_of(message)
        assert event["type"] == "deployq.flow_run.created"
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
    async with running_scheduler(fast) as deps:

        async def stocked() -> bool:
            return len(await runs(db, dep.id)) == 3

        async def counted() -> bool:
            # A pass adds its runs to the metric when it ends, a moment after they commit.
            created = deps.metrics.registry.get_sample_value("deployq_runs_created_total")
            return created is not None and created >= 3

        await wait_until(stocked)
        await wait_until(counted)

    assert [r["next_scheduled_start_time"] for r in await runs(db, dep.id)] == grid(
        anchor, timedelta(hours=1), 3
    )
