"""No event is lost when the relay is interrupted (CONTRACT §4, §6): killed between commit and
publish, its events go out after a restart with the same ids; a worker that stops has published
the events of every command it answered.

These tests run on a database and namespace of their own: the session worker's relay holds the
leader lock of the session database for the whole run, and a leader publishes to its own
namespace, so a fresh namespace needs a database where its workers can lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from deployq.client import Client
from deployq.relay.leader import LEADER_LOCK
from deployq.settings import Settings
from deployq.storage.database import plain_dsn
from tests.cloudevents import envelope_of
from tests.databases import own_database
from tests.e2e.database import closed_gate
from tests.e2e.events import OutboxEvent, all_marked, outbox_events, some_writes
from tests.e2e.wire import Wire
from tests.subscriber import subscribed
from tests.support import unique, wait_until
from tests.workers import running_worker, worker_process

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def leader_lock(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold the relays' leader lock on a connection of the test's own, so no relay can lead."""
    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        assert await connection.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
        yield connection
    finally:
        with contextlib.suppress(Exception):
            await connection.execute("SELECT pg_advisory_unlock_all()")
        await connection.close()


async def test_killing_the_relay_between_commit_and_publish_loses_no_event(
    wire: Wire, settings: Settings
) -> None:
    """Killing the relay between commit and publish loses no event; it is published after
    restart, with the same id."""
    namespace = f"{settings.namespace}-crash-{uuid.uuid4().hex[:6]}"
    try:
        async with (
            own_database(settings.database_url, "ev") as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
        ):
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            async with leader_lock(url):
                async with worker_process(own) as worker:
                    await some_writes(wire, namespace)
                    noted = await outbox_events(db)
                    assert len(noted) == 1 + 3 + 4  # created; 3 runs; 3 runs deleted + updated
                    assert not any(e.sent for e in noted)
                    await subscriber.stays(0, window=0.5)  # no relay may lead meanwhile
                    worker.process.kill()
                    code = await asyncio.wait_for(worker.process.wait(), 30)
                    assert code == -signal.SIGKILL
                assert "outbox relay leading" not in worker.log, worker.log

            async with running_worker(own):
                await subscriber.holds_ids(e.id for e in noted)
                # A change after the restart comes after every event recovered.
                later = await some_writes(wire, namespace)
                everything = await outbox_events(db)
                await subscriber.holds_ids(e.id for e in everything)
                await subscriber.stays(len(everything), window=0.5)
                await wait_until(lambda: all_marked(db), timeout=15)

        assert everything[: len(noted)] == [OutboxEvent(e.seq, e.id, e.body, True) for e in noted]
        assert subscriber.ids() == [e.id for e in everything]
        for message, event in zip(subscriber.messages, everything, strict=True):
            assert message.body == event.body  # byte for byte what was committed
            envelope_of(message)
        assert len(subscriber.about(later)) == len(everything) - len(noted)
    finally:
        await wire.delete_namespace(namespace)


BURST = 50


def gated_mark(passage: str) -> list[str]:
    """A trigger that makes every mark of outbox rows sent wait at a gate."""
    return [
        "CREATE FUNCTION e2e_gated_mark() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {passage} RETURN NULL; END $$",
        "CREATE TRIGGER e2e_gated_mark BEFORE UPDATE ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION e2e_gated_mark()",
    ]


async def test_a_stopped_worker_has_published_the_events_of_every_command_it_answered(
    wire: Wire, settings: Settings
) -> None:
    """The relay's first pass waits at a gate to mark its rows sent, so when the whole burst
    has been answered and the worker is told to stop, events are still pending."""
    namespace = f"{settings.namespace}-flush-{uuid.uuid4().hex[:6]}"
    try:
        async with (
            own_database(settings.database_url, "ev") as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
            closed_gate(url) as gate,
        ):
            async with db.engine.begin() as connection:
                for statement in gated_mark(gate.passage):
                    await connection.exec_driver_sql(statement)
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            stop = asyncio.Event()
            async with (
                running_worker(own, stop=stop),
                await Client.connect(settings.amqp_url, namespace) as client,
            ):
                flow = (await client.call("flow.create", {"name": unique("flow")})).result
                replies = await asyncio.gather(
                    *(
                        client.call("deployment.create", {"flow_id": flow["id"], "name": f"d{n}"})
                        for n in range(BURST)
                    )
                )
                assert all(r.ok for r in replies), [r.body for r in replies if not r.ok]
                await wait_until(gate.waiting)  # the relay is in its first pass
                stop.set()
                await gate.open()
            # The worker stopped cleanly; no relay runs on this database any more, so
            # whatever the subscriber gets from now on was published before the stop.
            answered = await outbox_events(db)
            assert len(answered) == BURST
            assert [e.id for e in answered if not e.sent] == []
            await subscriber.holds_ids(e.id for e in answered)
    finally:
        await wire.delete_namespace(namespace)
