"""Load under faults: thousands of `deployment.create` from a client that retries with the same
message_id, two worker processes, while a worker is SIGKILLed, the broker is stopped and started,
PostgreSQL is restarted and both workers die at once — on a private broker and database, never
the machine's.

Every command must be applied exactly once, answered the same way however often it was retried,
and announced; the command queue must end with nothing ready or unacked, and nothing may be
dead-lettered.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import takewhile
from typing import Any

import pytest

from deployq.messages.events import DEPLOYMENT_CREATED
from deployq.settings import Settings
from tests.databases import migrated_database
from tests.faults.breakage import Breakage
from tests.faults.caller import Caller
from tests.faults.crew import Crew, crew
from tests.faults.events import Tap, event_tap
from tests.faults.instances import PostgresCluster, RabbitNode
from tests.faults.load_checks import LoadFindings, eventually, judge_answers, judge_effects, stored
from tests.support import wait_until

RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:")  # how a log record begins


@dataclass(frozen=True)
class Plan:
    writes: int
    in_flight: int
    faults: tuple[str, ...]  # injected in turn, spread evenly over the load


QUICK = Plan(
    500,
    16,
    (
        "worker killed",
        "broker restarted",
        "postgres restarted",
        "broker restarted, a waiting worker stopped",
    ),
)
FULL = Plan(
    3000,
    32,
    (
        "worker killed",
        "broker restarted",
        "postgres restarted",
        "both workers killed",
        "broker restarted, a waiting worker stopped",
        "broker killed",
    ),
)


@pytest.mark.parametrize(
    "plan",
    [pytest.param(QUICK, id="quick"), pytest.param(FULL, id="full", marks=pytest.mark.full_faults)],
)
@pytest.mark.timeout(900)
async def test_load_under_faults(
    plan: Plan,
    rabbit: RabbitNode,
    postgres: PostgresCluster,
    record_summary: Callable[[str], None],
) -> None:
    namespace = f"dqfault-{uuid.uuid4().hex[:8]}"
    prefix = f"load-{uuid.uuid4().hex[:6]}-"
    names = [f"{prefix}{n:05d}" for n in range(plan.writes)]
    message_ids = {name: uuid.uuid4().hex for name in names}
    findings = LoadFindings(sent=plan.writes)
    started = time.monotonic()
    async with migrated_database(postgres.url, "deployq_faults") as url:
        settings = Settings(
            amqp_url=rabbit.url, database_url=url, namespace=namespace, shutdown_grace_seconds=10
        )
        caller = Caller(rabbit.url, namespace)
        async with crew("worker", settings, 2) as workers, event_tap(rabbit.url, namespace) as tap:
            breakage = Breakage(rabbit, postgres, workers, caller)
            try:
                await run_load(plan, caller, breakage, names, message_ids, findings)
                await settle(findings, rabbit, namespace)
            finally:
                await caller.close()
            rows, inbox_rows = await stored(url, prefix, list(message_ids.values()))
            await announced(tap, rows, plan.writes)
            judge_answers(findings, caller, message_ids)
            judge_effects(findings, rows, inbox_rows, tap, caller, message_ids)
            findings.problems.extend(breakage.problems)
            record_summary(
                f"faults/load: {findings.line()}; {caller.attempts} publishes; "
                f"faults: {breakage.describe()}; {time.monotonic() - started:.0f} s"
            )
            failures = findings.failures()
            assert not failures, "\n".join([*failures, diagnosis(workers)])


async def run_load(
    plan: Plan,
    caller: Caller,
    breakage: Breakage,
    names: list[str],
    message_ids: dict[str, str],
    findings: LoadFindings,
) -> None:
    """The writes, `plan.in_flight` at a time. Each fault is injected once the replies reach its
    share of the load; the clients may run half a share past it, then wait until the fault is
    over, so every fault meets commands in flight and none finds the load already done."""
    flow_reply = await call_flow(caller)
    flow_id = flow_reply["result"]["id"]
    step = plan.writes // (len(plan.faults) + 1)
    shares = [step * turn for turn in range(1, len(plan.faults) + 1)]
    over = [asyncio.Event() for _ in plan.faults]
    pending = iter(enumerate(names))

    async def client() -> None:
        for n, name in pending:
            for share, fault_over in zip(shares, over, strict=True):
                if n >= share + step // 2:
                    await fault_over.wait()
            body = {"flow_id": flow_id, "name": name}
            await caller.call("deployment.create", body, message_ids[name])

    async def faults() -> None:
        for name, share, fault_over in zip(plan.faults, shares, over, strict=True):

            async def reached(share: int = share) -> bool:
                return caller.answered() >= share

            await wait_until(reached, timeout=240, interval=0.02)
            await breakage.inject(name)
            fault_over.set()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(plan.in_flight):
                group.create_task(client())
            group.create_task(faults())
    except* AssertionError as failed:
        findings.problems.extend(str(error) for error in failed.exceptions)


async def call_flow(caller: Caller) -> dict[str, Any]:
    message_id = uuid.uuid4().hex
    await caller.call("flow.create", {"name": f"etl-{message_id[:6]}"}, message_id)
    return caller.replies[message_id][0].body


async def settle(findings: LoadFindings, rabbit: RabbitNode, namespace: str) -> None:
    """Retries still in flight get answered from the inbox; then the command queue must hold
    nothing, ready or unacked, and the dead-letter queue nothing at all."""

    async def queues() -> dict[str, tuple[int, int]]:
        return await asyncio.to_thread(rabbit.queues)

    commands, dead = f"{namespace}.commands", f"{namespace}.commands.dead"
    left = await eventually(queues, lambda q: sum(q.get(commands, (1, 0))) == 0, timeout=30)
    findings.stuck = sum(left.get(commands, (0, 0)))
    findings.dead = sum(left.get(dead, (0, 0)))


async def announced(tap: Tap, rows: dict[str, list[str]], count: int) -> None:
    """Wait for a `deployment.created` of every stored deployment (or until it is clear some
    never come)."""
    wanted = {ids[0] for ids in rows.values() if ids}

    def enough(tap: Tap) -> bool:
        return len(wanted & set(tap.event_ids(DEPLOYMENT_CREATED))) >= min(count, len(wanted))

    await tap.drain(enough, timeout=60)


def diagnosis(workers: Crew) -> str:
    """What the workers' logs say went wrong: why consumer callbacks failed, and how each log
    ends."""
    why: Counter[str] = Counter()
    for log in workers.logs():
        lines = log.splitlines()
        for n, line in enumerate(lines):
            if "Consumer callback failed" in line:
                traceback = takewhile(lambda x: not RECORD.match(x), lines[n + 1 :])
                why[([*traceback] or ["?"])[-1][:200]] += 1  # the exception it ended with
    reasons = "\n".join(f"  {count}x {reason}" for reason, count in why.most_common(8))
    return f"failed consumer callbacks:\n{reasons}\n{workers.tail(8)}"
