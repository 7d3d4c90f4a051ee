"""CONTRACT §8's writes under §6: a duplicate message_id is applied once, two backfills of one
range create each run once, and so does a backfill racing a `deployq scheduler` process."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from deployq.settings import Settings
from deployq.storage.database import Database
from tests.e2e.controls import deployment, every, soon
from tests.e2e.wire import Wire, check_reply
from tests.integration.runs_support import grid, runs
from tests.support import ok, wait_until
from tests.workers import deployq_process


async def twice(wire: Wire, command: str, body: dict[str, Any]) -> list[bytes]:
    """The command published twice with one message_id, at once; both raw replies."""
    message_id = uuid.uuid4().hex
    correlation_ids = await asyncio.gather(
        *(wire.publish(command, body, message_id=message_id) for _ in range(2))
    )
    replies = [await wire.reply(c) for c in correlation_ids]
    for reply, correlation_id in zip(replies, correlation_ids, strict=True):
        ok(check_reply(reply, command=command, correlation_id=correlation_id))
    return [r.body for r in replies]


async def test_duplicate_message_ids_are_applied_once(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    dep = await deployment(wire, flow, schedules=[every(3600, soon())])
    start = soon(-300)
    backfill = {
        "deployment_id": dep["id"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(),
    }

    filled = await twice(wire, "deployment.backfill", backfill)
    later = {"deployment_id": dep["id"], "scheduled_time": soon(60).isoformat()}
    manual = await twice(wire, "flow_run.create", later)
    late = await twice(wire, "deployment.drop_late_runs", {"deployment_id": dep["id"]})
    extra = ok(await wire.write("flow_run.create", later))
    gone = await twice(wire, "flow_run.delete", {"id": extra["id"]})

    assert filled[0] == filled[1]
    assert manual[0] == manual[1]
    assert late[0] == late[1]
    assert gone[0] == gone[1]
    assert orjson.loads(gone[0])["result"] == {"deleted": True}
    backfilled = orjson.loads(filled[0])["result"]["run_ids"]
    assert len(backfilled) == 3
    assert orjson.loads(late[0])["result"] == {"deleted": 3}
    # The manual run, once; the backfill's runs were all late, and deleted once.
    assert [str(r["id"]) for r in await runs(db, UUID(dep["id"]))] == [
        orjson.loads(manual[0])["result"]["id"]
    ]


async def test_two_backfills_of_one_range_at_once_create_each_run_once(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    anchor = soon()
    dep = await deployment(wire, flow, schedules=[every(60, anchor), every(90, anchor)])
    body = {
        "deployment_id": dep["id"],
        "start": anchor.isoformat(),
        "end": (anchor + timedelta(hours=5)).isoformat(),
    }

    replies = await asyncio.gather(*(wire.write("deployment.backfill", body) for _ in range(3)))

    results = [ok(r) for r in replies]
    made = [i for r in results for i in r["run_ids"]]
    occurrences = 301 + 201
    assert len(made) == len(set(made)) == occurrences
    assert [r["existing"] + len(r["run_ids"]) for r in results] == [occurrences] * 3
    stored = await runs(db, UUID(dep["id"]))
    assert len(stored) == occurrences
    assert {str(r["id"]) for r in stored} == set(made)


@pytest.mark.slow
async def test_a_backfill_racing_the_scheduler_creates_each_occurrence_once(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    fast = {
        "DEPLOYQ_SCHEDULER_LOOP_SECONDS": "0.05",
        "DEPLOYQ_SCHEDULER_RECENT_LOOP_SECONDS": "0.05",
        "DEPLOYQ_SCHEDULER_MIN_RUNS": "40",
        "DEPLOYQ_SCHEDULER_INSERT_BATCH_SIZE": "7",
    }
    anchor = soon(2)
    count = 120
    async with deployq_process("scheduler", settings, **fast) as scheduler:
        await scheduler.logged("main pass")
        # Paused, the scheduler leaves them alone; resumed while their backfills run, the
        # scheduler's passes and the backfills race for the same occurrences.
        deps = [
            (await deployment(wire, flow, paused=True, schedules=[every(60, anchor)]))["id"]
            for _ in range(4)
        ]
        window = {
            "start": anchor.isoformat(),
            "end": (anchor + timedelta(minutes=count - 1)).isoformat(),
        }
        replies = await asyncio.gather(
            *(wire.write("deployment.resume", {"id": d}) for d in deps),
            *(wire.write("deployment.backfill", {"deployment_id": d, **window}) for d in deps),
        )
        results = [ok(r) for r in replies][len(deps) :]
        passes = scheduler.log.count("main pass")

        async def passed_since() -> bool:
            return scheduler.log.count("main pass") >= passes + 3

        await wait_until(passed_since, timeout=30)
        assert await scheduler.terminate(timeout=30) == 0

    for dep, result in zip(deps, results, strict=True):
        stored = await runs(db, UUID(dep))
        times = [r["next_scheduled_start_time"] for r in stored]
        assert Counter(times).most_common(1)[0][1] == 1
        # The scheduler made the occurrence just before the anchor (the interval's grid runs
        # before it too), outside the backfill's range: it did pass over this deployment.
        assert times[0] == anchor - timedelta(minutes=1)
        assert times[1:] == grid(anchor, timedelta(minutes=1), count)
        auto = [r for r in stored[1:] if r["auto_scheduled"]]
        assert len(auto) == result["existing"]
        assert len(result["run_ids"]) + len(auto) == count
