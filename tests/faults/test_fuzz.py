"""Fuzz: thousands of broken, odd and hostile messages, drawn from a fixed seed, at a worker
process on the run's services (a namespace and database of its own: nothing shared is broken).

Throughout, the worker keeps answering `system.ping`; at the end every message sent with
reply_to has exactly one answer, every dead letter carries its reason, nothing is answered
`internal`, and the command queue is empty, ready or unacked.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from deployq.settings import Settings
from tests.databases import own_database
from tests.e2e.wire import Wire
from tests.faults.fuzz_case import Case
from tests.faults.fuzz_checks import PING_DEADLINE, FuzzFindings, judge
from tests.faults.fuzz_commands import command_cases, examples
from tests.faults.fuzz_inputs import BODIES, PROPERTIES, drawn
from tests.faults.load_checks import eventually
from tests.support import ok
from tests.unit.messages.test_commands import EXAMPLES
from tests.workers import worker_process

SEED = 20261210
BATCH = 25  # fuzz messages between two pings
QUICK, FULL = 700, 5000  # messages per family


def cases(
    family: str, count: int, rng: random.Random, bodies: dict[str, dict[str, Any]]
) -> list[Case]:
    if family == "bodies":
        return drawn(rng, count, BODIES)
    if family == "properties":
        return drawn(rng, count, PROPERTIES)
    return command_cases(rng, count, bodies)


@pytest.mark.parametrize(
    "count",
    [pytest.param(QUICK, id="quick"), pytest.param(FULL, id="full", marks=pytest.mark.full_faults)],
)
@pytest.mark.parametrize("family", ["bodies", "properties", "commands"])
@pytest.mark.timeout(900)
async def test_fuzz(
    family: str, count: int, settings: Settings, record_summary: Callable[[str], None]
) -> None:
    namespace = f"{settings.namespace}-fuzz-{uuid.uuid4().hex[:6]}"
    findings = FuzzFindings()
    sent: dict[str, Case] = {}
    log = ""
    started = time.monotonic()
    async with own_database(settings.database_url, "fuzz") as (url, _):
        own = settings.model_copy(update={"namespace": namespace, "database_url": url})
        wire = await Wire.connect(settings.amqp_url, namespace)
        try:
            async with worker_process(own) as worker:
                await wire.watch_dead_letters(namespace)
                bodies = examples(*await real_rows(wire))
                rng = random.Random(f"{SEED}-{family}")
                sent = await fuzz(wire, cases(family, count, rng, bodies), findings)
                # A worker that stopped answering pings has stalled: no need to wait long.
                patience = 60.0 if None not in findings.pings else PING_DEADLINE
                await finish(wire, sent, patience)
                findings.stuck = await queue_left(wire, namespace, patience)
                code = await worker.terminate(timeout=60)
                findings.stuck = max(findings.stuck, await queue_left(wire, namespace, patience))
                if code != 0:
                    findings.problems.append(f"the worker exited {code}")
                log = worker.log
        finally:
            await wire.delete_namespace(namespace)
            await wire.close()
    judge(findings, wire, sent)
    record_summary(f"faults/fuzz: {findings.line()}; {time.monotonic() - started:.0f} s")
    failures = findings.failures()
    callbacks = log.count("Consumer callback failed")
    assert not failures, "\n".join([*failures, f"worker log: {callbacks} failed callbacks"])


async def real_rows(wire: Wire) -> tuple[str, str]:
    """The rows the examples name: flow `etl`, pool `k8s` with queue `critical`, and deployment
    `nightly` with its schedules; the deployment's id and its first schedule's."""
    for command in ("flow.create", "work_pool.create", "work_queue.create"):
        ok(await wire.write(command, EXAMPLES[command]))
    created = ok(await wire.write("deployment.create", EXAMPLES["deployment.create"]))
    return str(created["id"]), str(created["schedules"][0]["id"])


async def fuzz(wire: Wire, chosen: list[Case], findings: FuzzFindings) -> dict[str, Case]:
    """Publish every case, a ping after each batch; stop early if a ping goes unanswered (the
    worker has stalled, and what follows would only wait on it)."""
    sent: dict[str, Case] = {}
    for start in range(0, len(chosen), BATCH):
        for serial, case in enumerate(chosen[start : start + BATCH], start=start):
            correlation_id = case.correlation_id(serial)
            try:
                await publish(wire, case, correlation_id)
            except Exception as error:
                findings.problems.append(f"could not publish {case.kind}: {error!r}")
                return sent
            sent[correlation_id] = case
            findings.sent += 1
        findings.pings.append(await ping(wire))
        if findings.pings[-1] is None:
            break
    return sent


async def publish(wire: Wire, case: Case, correlation_id: str) -> None:
    await wire.publish(
        case.routing_key,
        case.body,
        message_id=case.message_id or None,
        correlation_id=correlation_id,
        reply=case.reply,
        content_type=case.content_type,
        headers=case.headers,
        type=case.type,
        **case.properties,
    )


async def ping(wire: Wire) -> float | None:
    """Seconds until the worker answered a ping; None if it did not within the deadline."""
    began = time.monotonic()
    correlation_id = await wire.publish("system.ping", {})
    try:
        await wire.reply(correlation_id, within=PING_DEADLINE)
    except AssertionError:
        return None
    return time.monotonic() - began


async def finish(wire: Wire, sent: dict[str, Case], patience: float) -> None:
    """Wait until every case with reply_to has its answer (or it is clear some never come)."""
    expected = [c for c, case in sent.items() if case.reply]

    async def answered() -> int:
        return sum(1 for c in expected if wire.replies.get(c))

    await eventually(answered, lambda n: n == len(expected), timeout=patience)


async def queue_left(wire: Wire, namespace: str, patience: float) -> int:
    """Messages ready on the command queue once it drains (unacked ones count once the worker
    has gone, when the broker makes them ready again)."""

    async def ready() -> int:
        channel = await wire.connection.channel()
        try:
            queue = await channel.declare_queue(f"{namespace}.commands", passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()

    return await eventually(ready, lambda n: n == 0, timeout=min(patience, 20))
