"""A worker interrupted with commands in hand: told to stop mid-burst, or its database
connections cut while commands flow (CONTRACT §6). Commands are held at a gate in the database,
so what the worker has in hand when it is interrupted is known, not a matter of timing."""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import pytest

from deployq.settings import Settings
from deployq.storage.database import Database
from tests.databases import cut_connections, own_database
from tests.e2e.database import closed_gate, deployment_rows, deployment_trigger, trigger_calls
from tests.e2e.wire import Wire, check_reply
from tests.support import ok, unique, wait_until
from tests.workers import running_worker, worker_process

pytestmark = pytest.mark.slow

PREFETCH = 8


def replies_for(wire: Wire, correlation_ids: list[str]) -> int:
    return sum(1 for c in correlation_ids if wire.replies.get(c))


async def all_replied(wire: Wire, correlation_ids: list[str], *, within: float) -> None:
    async def done() -> bool:
        return replies_for(wire, correlation_ids) == len(correlation_ids)

    await wait_until(done, timeout=within)


def all_ok(wire: Wire, sent: dict[str, str]) -> None:
    """Every command (correlation_id → command) has exactly one reply, and it is `ok`."""
    for correlation_id, command in sent.items():
        (message,) = wire.replies[correlation_id]
        ok(check_reply(message, command=command, correlation_id=correlation_id))


async def test_sigterm_finishes_commands_in_hand_and_loses_none(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    namespace = f"{settings.namespace}-drain-{uuid.uuid4().hex[:6]}"
    own = settings.model_copy(update={"namespace": namespace})
    prefix = unique("drain")
    sent: dict[str, str] = {}
    try:
        async with (
            closed_gate(settings.database_url) as gate,
            deployment_trigger(db.engine, prefix, gate.passage),
            worker_process(
                own, DEPLOYQ_PREFETCH=str(PREFETCH), DEPLOYQ_SHUTDOWN_GRACE_SECONDS="30"
            ) as worker,
        ):
            await wire.watch_dead_letters(namespace)
            for n in range(60):
                body = {"flow_id": flow["id"], "name": f"{prefix}-{n:02d}"}
                correlation_id = await wire.publish(
                    "deployment.create", body, message_id=uuid.uuid4().hex, namespace=namespace
                )
                sent[correlation_id] = "deployment.create"

            async def all_in_hand() -> bool:
                return await gate.waiting() == PREFETCH

            # The worker holds as many commands as its prefetch allows, each one at the gate.
            await wait_until(all_in_hand, timeout=30)
            worker.process.send_signal(signal.SIGTERM)
            await worker.logged(f"finishing {PREFETCH} command(s) in hand")
            await gate.open()
            code = await asyncio.wait_for(worker.process.wait(), 60)

            assert code == 0, worker.log
            # It finished what it had in hand, and took nothing new once told to stop.
            assert replies_for(wire, list(sent)) == PREFETCH, worker.log
            async with running_worker(own):
                await all_replied(wire, list(sent), within=30)
                await wire.assert_quiet(replies=dict.fromkeys(sent, 1), window=1.0)
    finally:
        await wire.delete_namespace(namespace)

    all_ok(wire, sent)
    assert not [m for m in wire.dead if m.correlation_id in sent]
    assert await deployment_rows(db, prefix) == len(sent)


async def test_cut_database_connections_are_retried_and_applied_once(
    wire: Wire, settings: Settings
) -> None:
    namespace = f"{settings.namespace}-cut-{uuid.uuid4().hex[:6]}"
    prefix = unique("cut")
    sent: dict[str, str] = {}
    async with own_database(settings.database_url, "cut") as (url, scratch):
        own = settings.model_copy(update={"namespace": namespace, "database_url": url})
        try:
            async with (
                closed_gate(url) as gate,
                running_worker(own),
                deployment_trigger(scratch.engine, prefix, gate.passage) as trigger,
            ):
                await wire.watch_dead_letters(namespace)
                flow = ok(
                    await wire.write("flow.create", {"name": unique("flow")}, namespace=namespace)
                )
                for n in range(45):
                    if n % 3 == 2:
                        command, body = "system.ping", {}
                    else:
                        command = "deployment.create"
                        body = {"flow_id": flow["id"], "name": f"{prefix}-{n:02d}"}
                    correlation_id = await wire.publish(
                        command, body, message_id=uuid.uuid4().hex, namespace=namespace
                    )
                    sent[correlation_id] = command

                # An insert waits at the gate: the first cut hits a command in flight.
                await wait_until(gate.waiting, timeout=30)
                cut = await cut_connections(url, keep=(gate.pid,))
                await gate.open()
                for share in (len(sent) // 3, 2 * len(sent) // 3):

                    async def progressed(share: int = share) -> bool:
                        return replies_for(wire, list(sent)) >= share

                    await wait_until(progressed, timeout=30)
                    cut += await cut_connections(url, keep=(gate.pid,))
                await all_replied(wire, list(sent), within=60)
                await wire.assert_quiet(replies=dict.fromkeys(sent, 1), window=1.0)
                assert cut > 0
                rows = await deployment_rows(scratch, prefix)
                calls = await trigger_calls(scratch.engine, trigger)
        finally:
            await wire.delete_namespace(namespace)

    all_ok(wire, sent)
    assert not [m for m in wire.dead if m.correlation_id in sent]
    assert rows == list(sent.values()).count("deployment.create")
    # The inserts cut off at the gate ran again: more trigger calls than rows.
    assert calls > rows
