"""Schedulers under faults: two scheduler processes and two workers over many deployments with
short interval schedules, passes every second, while schedules are replaced (`delete_all` +
`create`, `deployment.update` with schedules) and processes are SIGKILLed — on the run's services,
a namespace and database of its own (only our own processes are broken).

No run may be created twice (one schedule per deployment at any time, so two runs of one
deployment at one expected start are a duplicate), every run must be announced under exactly one
event id (the same event redelivered is fine, two events for one run are not), and every run that
exists must have been announced.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from deployq.client import Client
from deployq.messages.events import FLOW_RUN_CREATED
from deployq.settings import Settings
from deployq.storage.database import Database
from tests.databases import own_database
from tests.faults.crew import Crew, crew
from tests.faults.load_checks import eventually
from tests.subscriber import Subscriber, subscribed
from tests.support import ok

SEED = 20261211
FAST = {
    "DEPLOYQ_SCHEDULER_LOOP_SECONDS": "1",
    "DEPLOYQ_SCHEDULER_RECENT_LOOP_SECONDS": "0.5",
    "DEPLOYQ_SCHEDULER_DEPLOYMENT_BATCH_SIZE": "20",
    "DEPLOYQ_SCHEDULER_MIN_RUNS": "3",
    "DEPLOYQ_SCHEDULER_MAX_RUNS": "10",
    "DEPLOYQ_SCHEDULER_MIN_SCHEDULED_TIME": "600",
    "DEPLOYQ_SCHEDULER_MAX_SCHEDULED_TIME": "3600",
}
INTERVALS = [60, 120, 60, 180]
REPLACERS = 8  # on one anchor, so a replaced schedule's dates recur


@dataclass(frozen=True)
class Plan:
    deployments: int
    chaos_seconds: float


QUICK = Plan(60, 10)
FULL = Plan(300, 60)


@pytest.mark.parametrize(
    "plan",
    [pytest.param(QUICK, id="quick"), pytest.param(FULL, id="full", marks=pytest.mark.full_faults)],
)
@pytest.mark.timeout(900)
async def test_schedulers_under_faults(
    plan: Plan, settings: Settings, record_summary: Callable[[str], None]
) -> None:
    namespace = f"{settings.namespace}-sched-{uuid.uuid4().hex[:6]}"
    rng = random.Random(SEED)
    anchor = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    started = time.monotonic()
    async with own_database(settings.database_url, "sched") as (url, db):
        own = settings.model_copy(update={"namespace": namespace, "database_url": url})
        async with (
            subscribed(settings.amqp_url, namespace, binding="flow_run.created.#") as subscriber,
            crew("worker", own, 2) as workers,
            crew("scheduler", own, 2, **FAST) as schedulers,
        ):
            client = await Client.connect(settings.amqp_url, namespace)
            try:
                ids = await create_deployments(client, plan.deployments, anchor)
                chaos = Chaos(client, rng, ids, anchor, workers, schedulers)
                await chaos.run(plan.chaos_seconds)
            finally:
                await client.close()
            await schedulers.close()
            stored = await runs(db)
            created = await announced(subscriber, {run_id for run_id, *_ in stored})
        kills = workers.kills + schedulers.kills
    duplicates = duplicated(stored)
    twice = {run: ids for run, ids in created.items() if len(ids) > 1}
    silent = [run_id for run_id, *_ in stored if run_id not in created]
    record_summary(
        f"faults/schedulers: {plan.deployments} deployments, {chaos.replaced} schedule "
        f"replacements, {kills} processes killed, {len(stored)} runs ({len(duplicates)} "
        f"duplicated), {len(created)} runs announced ({len(twice)} under two event ids, "
        f"{len(silent)} never announced); {time.monotonic() - started:.0f} s"
    )
    assert not duplicates, "runs at one deployment and expected start:\n" + "\n".join(
        "\n".join(pair) for pair in duplicates[:5]
    )
    assert not twice, f"runs announced under several event ids: {list(twice.items())[:5]}"
    assert not silent, f"runs never announced: {silent[:5]}"


def schedule(interval: int, anchor: datetime) -> dict[str, Any]:
    return {"schedule": {"interval": interval, "anchor_date": anchor.isoformat()}}


async def create_deployments(client: Client, count: int, anchor: datetime) -> list[str]:
    flow = ok(await client.call("flow.create", {"name": "etl"}))
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> str:
        body = {"flow_id": flow["id"], "name": f"d{n:04d}", "schedules": [schedule(60, anchor)]}
        async with gate:
            return str(ok(await client.call("deployment.create", body, timeout=60))["id"])

    return list(await asyncio.gather(*(one(n) for n in range(count))))


@dataclass
class Chaos:
    client: Client
    rng: random.Random
    ids: list[str]
    anchor: datetime
    workers: Crew
    schedulers: Crew
    replaced: int = 0

    async def run(self, seconds: float) -> None:
        """Replace schedules (eight at a time) and kill processes until `seconds` have gone.
        Each replacer has deployments of its own: two replacing one deployment's schedules
        at once could leave it with two, and then two runs at one time would be right."""
        until = time.monotonic() + seconds
        async with asyncio.TaskGroup() as group:
            for share in range(REPLACERS):
                group.create_task(self.replace_until(until, self.ids[share::REPLACERS]))
            group.create_task(self.kill_until(until))

    async def replace_until(self, until: float, ids: list[str]) -> None:
        while time.monotonic() < until:
            deployment_id = self.rng.choice(ids)
            new = [schedule(self.rng.choice(INTERVALS), self.anchor)]
            body: dict[str, Any]
            if self.rng.random() < 0.5:
                body = {"deployment_id": deployment_id}
                ok(await self.client.call("deployment.schedules.delete_all", body, timeout=60))
                body = {"deployment_id": deployment_id, "schedules": new}
                ok(await self.client.call("deployment.schedules.create", body, timeout=60))
            else:
                body = {"id": deployment_id, "schedules": new}
                ok(await self.client.call("deployment.update", body, timeout=60))
            self.replaced += 1

    async def kill_until(self, until: float) -> None:
        while time.monotonic() < until:
            # Pacing, not synchronisation: a process dies every second or so.
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
            roll = self.rng.random()
            if roll < 0.45:
                await self.schedulers.restart(self.rng.randrange(2))
            elif roll < 0.75:
                await self.workers.restart(self.rng.randrange(2))
            else:
                await self.schedulers.restart()


async def runs(db: Database) -> list[tuple[str, str, datetime, str]]:
    """Every run: its id, its deployment's, its expected start, and where it came from (for a
    failure message)."""
    statement = sa.text(
        "SELECT id::text, deployment_id::text, expected_start_time, "
        "concat_ws(' ', 'schedule', schedule_id, 'created', created, 'key', idempotency_key) "
        "FROM flow_run"
    )
    async with db.engine.connect() as connection:
        return [(r[0], r[1], r[2], r[3]) for r in await connection.execute(statement)]


def duplicated(stored: list[tuple[str, str, datetime, str]]) -> list[list[str]]:
    """The runs that share a deployment and an expected start, as descriptions, by pair."""
    seen: defaultdict[tuple[str, datetime], list[str]] = defaultdict(list)
    for _, deployment_id, expected, origin in stored:
        seen[deployment_id, expected].append(f"{deployment_id} at {expected:%H:%M:%S}: {origin}")
    return [found for found in seen.values() if len(found) > 1]


async def announced(subscriber: Subscriber, wanted: set[str]) -> dict[str, set[str]]:
    """Run id → the ids of the `flow_run.created` events about it, once every run in `wanted`
    has one (or it is clear some never come)."""

    async def created() -> dict[str, set[str]]:
        found: defaultdict[str, set[str]] = defaultdict(set)
        for message in subscriber.messages:
            envelope = orjson.loads(message.body)
            if envelope["type"] == FLOW_RUN_CREATED:
                found[str(envelope["subject"])].add(str(envelope["id"]))
        return found

    return await eventually(created, lambda found: wanted <= set(found), timeout=60)
