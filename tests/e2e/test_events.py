"""Events over the real broker (CONTRACT §4, §6): what a subscriber bound to `<ns>.events` sees for
a deployment's life, that refused commands announce nothing, that a relay killed between commit
and publish loses no event, and that two relays on one database publish each event once.

The relay tests run on a database and namespace of their own: the session worker's relay holds
the leader lock of the session database for the whole run, and a leader publishes to its own
namespace, so a fresh namespace needs a database where its workers can lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import asyncpg
import orjson
import pytest
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import deployq.sidecars
from deployq.client import Client
from deployq.messages import events
from deployq.relay import Relay
from deployq.relay.leader import LEADER_LOCK
from deployq.settings import Settings
from deployq.storage.database import Database, plain_dsn
from deployq.storage.migrate import upgrade
from tests.e2e.wire import MARKS, Wire, error, result, running_worker
from tests.support import unique, wait_until

pytestmark = MARKS

CLOUDEVENTS = "application/cloudevents+json"
ENVELOPE_KEYS = {
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "data",
}


# --- the subscriber ---------------------------------------------------------------------------


@dataclass
class Subscriber:
    """Everything published to `<namespace>.events`, through a queue bound with `#`."""

    messages: list[AbstractIncomingMessage] = field(default_factory=list)

    async def keep(self, message: AbstractIncomingMessage) -> None:
        self.messages.append(message)

    def about(self, deployment_id: str) -> list[AbstractIncomingMessage]:
        """The messages about one deployment: its runs' events and its own."""
        return [m for m in self.messages if concerns(m, deployment_id)]

    def ids(self) -> list[str]:
        return [m.message_id or "" for m in self.messages]

    async def holds_ids(self, ids: Iterable[str], *, within: float = 15.0) -> None:
        wanted = set(ids)

        async def arrived() -> bool:
            return wanted <= set(self.ids())

        await wait_until(arrived, timeout=within)

    async def stays(self, count: int, *, window: float = 1.0) -> None:
        """For `window` seconds the subscriber holds exactly `count` messages: a bounded wait
        for messages that must not come."""
        deadline = time.monotonic() + window
        while True:
            assert len(self.messages) == count, self.ids()[count:]
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.02)


def concerns(message: AbstractIncomingMessage, deployment_id: str) -> bool:
    key = message.routing_key or ""
    if key.startswith("flow_run."):
        return key.endswith(f".{deployment_id}")
    return bool(orjson.loads(message.body)["subject"] == deployment_id)


@contextlib.asynccontextmanager
async def subscribed(amqp_url: str, namespace: str) -> AsyncIterator[Subscriber]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")
        subscriber = Subscriber()
        await queue.consume(subscriber.keep, no_ack=True)
        yield subscriber


@pytest.fixture
async def subscriber(wire: Wire, settings: Settings) -> AsyncIterator[Subscriber]:
    """A subscriber on the session namespace, served by the session worker's relay."""
    async with subscribed(settings.amqp_url, settings.namespace) as found:
        yield found


def envelope_of(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The CloudEvents 1.0 envelope of a message, its AMQP properties checked (CONTRACT §4)."""
    envelope: dict[str, Any] = orjson.loads(message.body)
    assert set(envelope) == ENVELOPE_KEYS, envelope
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "deployq"
    assert envelope["datacontenttype"] == "application/json"
    assert datetime.fromisoformat(envelope["time"]).tzinfo is not None
    assert message.message_id == envelope["id"]
    assert message.content_type == CLOUDEVENTS
    assert message.type == envelope["type"]
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    return envelope


# --- what a deployment's life announces ---------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    type: str
    routing_key: str
    subject: str
    data: Any


def deployment_event(kind: str, deployment: dict[str, Any]) -> Expected:
    data = {k: v for k, v in deployment.items() if k != "outcome"}
    if kind == events.DEPLOYMENT_DELETED:
        data = {"id": deployment["id"]}
    return Expected(kind, kind.removeprefix("deployq."), deployment["id"], data)


def run_created(run: dict[str, Any]) -> Expected:
    key = f"flow_run.created.{run['deployment_id']}"
    return Expected(events.FLOW_RUN_CREATED, key, run["id"], run)


def run_deleted(run: dict[str, Any]) -> Expected:
    data = {
        "id": run["id"],
        "deployment_id": run["deployment_id"],
        "scheduled_time": run["next_scheduled_start_time"],
    }
    key = f"flow_run.deleted.{run['deployment_id']}"
    return Expected(events.FLOW_RUN_DELETED, key, run["id"], data)


def same_data(got: Any, expected: Any) -> bool:
    """Equal, datetimes compared as instants (an event may write `Z`, a reply `+00:00`)."""
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same_data(got[k], expected[k]) for k in got)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(map(same_data, got, expected))
    if isinstance(got, str) and isinstance(expected, str) and got != expected:
        try:
            return datetime.fromisoformat(got) == datetime.fromisoformat(expected)
        except ValueError:
            return False
    return bool(got == expected)


def check_segments(
    messages: list[AbstractIncomingMessage], segments: list[tuple[bool, list[Expected]]]
) -> None:
    """`messages` are the segments' events, segment after segment; inside a segment marked
    ordered, in its order, otherwise in any order (runs deleted by one statement)."""
    assert len(messages) == sum(len(s) for _, s in segments), [m.routing_key for m in messages]
    position = 0
    for ordered, given in segments:
        got = messages[position : position + len(given)]
        position += len(given)
        segment = given
        if not ordered:
            got = sorted(got, key=lambda m: str(orjson.loads(m.body)["subject"]))
            segment = sorted(given, key=lambda e: e.subject)
        for message, expected in zip(got, segment, strict=True):
            envelope = envelope_of(message)
            assert message.routing_key == expected.routing_key
            assert (envelope["type"], envelope["subject"]) == (expected.type, expected.subject)
            assert same_data(envelope["data"], expected.data), (envelope["data"], expected.data)


async def read_runs(wire: Wire, run_ids: list[str], *, namespace: str | None = None) -> list[Any]:
    return [
        result(await wire.call("flow_run.read", {"id": r}, namespace=namespace)) for r in run_ids
    ]


def hourly(anchor: datetime) -> list[dict[str, Any]]:
    return [{"schedule": {"interval": 3600, "anchor_date": anchor.isoformat()}}]


async def test_a_deployment_s_life_announces_exactly_its_events_in_commit_order(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    segments: list[tuple[bool, list[Expected]]] = []

    def expect(*expected: Expected, ordered: bool = True) -> None:
        segments.append((ordered, list(expected)))

    body = {"flow_id": flow["id"], "name": unique("life"), "schedules": hourly(soon)}
    created = result(await wire.write("deployment.create", body))
    dep = created["id"]
    assert created["outcome"] == "created"
    expect(deployment_event(events.DEPLOYMENT_CREATED, created))
    for command, fields in [
        ("deployment.update", {"description": "second"}),
        ("deployment.pause", {}),
        ("deployment.resume", {}),
    ]:
        changed = result(await wire.write(command, {"id": dep, **fields}))
        expect(deployment_event(events.DEPLOYMENT_UPDATED, changed))

    first = result(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 3, "max_runs": 3}
        )
    )["run_ids"]
    assert len(first) == 3
    first_runs = await read_runs(wire, first)
    expect(*map(run_created, first_runs))

    changed = result(await wire.write("deployment.update", {"id": dep, "tags": ["t"]}))
    expect(*map(run_deleted, first_runs), ordered=False)
    expect(deployment_event(events.DEPLOYMENT_UPDATED, changed))

    second = result(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 2, "max_runs": 2}
        )
    )["run_ids"]
    assert len(second) == 2
    assert not set(second) & set(first)
    second_runs = await read_runs(wire, second)
    expect(*map(run_created, second_runs))

    assert result(await wire.write("deployment.delete", {"id": dep})) == {"deleted": True}
    expect(*map(run_deleted, second_runs), ordered=False)
    expect(deployment_event(events.DEPLOYMENT_DELETED, created))

    total = sum(len(s) for _, s in segments)

    async def all_announced() -> bool:
        return len(subscriber.about(dep)) >= total

    await wait_until(all_announced, timeout=15)
    await subscriber.stays(len(subscriber.messages), window=1.0)

    mine = subscriber.about(dep)
    check_segments(mine, segments)
    assert len(set(subscriber.ids())) == len(subscriber.messages)
    created_ids = [
        orjson.loads(m.body)["subject"]
        for m in mine
        if m.type == events.FLOW_RUN_CREATED  # the `type` property, as a subscriber filters
    ]
    assert created_ids == first + second


async def test_refused_commands_publish_nothing(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    body = {"flow_id": flow["id"], "name": unique("refused"), "schedules": hourly(soon)}
    dep = result(await wire.write("deployment.create", body))["id"]
    run_ids = result(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 2, "max_runs": 2}
        )
    )["run_ids"]

    async def announced() -> bool:
        return len(subscriber.about(dep)) == 1 + len(run_ids)

    # One relay publishes in commit order: whatever committed before has arrived too.
    await wait_until(announced, timeout=15)
    before = len(subscriber.messages)
    missing = str(uuid.uuid4())
    twice = [{"schedule": {"interval": 60}, "slug": "a"}] * 2

    refusals = [
        ("deployment.update", {"id": missing, "description": "x"}, "not_found"),
        ("deployment.pause", {"id": missing}, "not_found"),
        ("deployment.delete", {"id": missing}, "not_found"),
        ("deployment.schedule_runs", {"deployment_id": missing}, "not_found"),
        ("deployment.update", {"id": dep, "no_such_field": 1}, "validation_error"),
        ("deployment.create", {"flow_id": flow["id"]}, "validation_error"),
        # These two are refused after the handler deleted the runs and announced them.
        ("deployment.update", {"id": dep, "schedules": twice}, "conflict"),
        ("deployment.update", {"id": dep, "schedules": [{"active": True}]}, "validation_error"),
    ]
    for command, fields, code in refusals:
        error(await wire.write(command, fields), code)

    await subscriber.stays(before, window=1.0)
    assert [r["id"] for r in await read_runs(wire, run_ids)] == run_ids


# --- the relay dies, another leads ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def own_database(settings: Settings) -> AsyncIterator[tuple[str, Database]]:
    """A migrated database of this test's own; yields its URL and a pool-less Database on it."""
    server = make_url(settings.database_url)
    name = f"{server.database}_ev_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    db = Database(create_async_engine(url, poolclass=sa.NullPool))
    try:
        await asyncio.to_thread(upgrade, url)
        yield url, db
    finally:
        await db.dispose()
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    id: str
    body: bytes
    sent: bool

    def concerns(self, deployment_id: str) -> bool:
        envelope = orjson.loads(self.body)
        if envelope["type"].startswith("deployq.flow_run."):
            return bool(envelope["data"]["deployment_id"] == deployment_id)
        return bool(envelope["subject"] == deployment_id)


async def outbox_events(db: Database) -> list[OutboxEvent]:
    """Every event in the outbox, in publication order."""
    statement = sa.text(
        "SELECT o.seq, e.id, e.body, o.sent_at IS NOT NULL AS sent "
        "FROM outbox o, unnest(o.event_ids, o.bodies) WITH ORDINALITY AS e(id, body, n) "
        "ORDER BY o.seq, e.n"
    )
    async with db.reading() as uow:
        found = await uow.connection.execute(statement)
        return [OutboxEvent(r.seq, str(r.id), bytes(r.body), r.sent) for r in found]


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


@contextlib.asynccontextmanager
async def worker_process(
    settings: Settings,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """`python -m deployq worker` on `settings`' database and namespace, once it consumes, with
    the lines of its log as they come; killed on exit if still alive."""
    env = {
        **os.environ,
        "DEPLOYQ_AMQP_URL": settings.amqp_url,
        "DEPLOYQ_DATABASE_URL": settings.database_url,
        "DEPLOYQ_NAMESPACE": settings.namespace,
        "DEPLOYQ_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deployq", "worker",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    lines: list[str] = []

    async def read_log() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            lines.append(line.decode(errors="replace"))

    reader = asyncio.create_task(read_log())

    async def consuming() -> bool:
        assert process.returncode is None, "".join(lines)
        return any("consuming" in line for line in lines)

    try:
        await wait_until(consuming, timeout=30)
        yield process, lines
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader


async def some_writes(wire: Wire, namespace: str) -> str:
    """A few commands with events (a create, runs, an update); returns the deployment id."""
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    flow = result(await wire.write("flow.create", {"name": unique("flow")}, namespace=namespace))
    body = {"flow_id": flow["id"], "name": unique("dep"), "schedules": hourly(soon)}
    dep: str = result(await wire.write("deployment.create", body, namespace=namespace))["id"]
    runs = {"deployment_id": dep, "min_runs": 3, "max_runs": 3}
    result(await wire.write("deployment.schedule_runs", runs, namespace=namespace))
    update = {"id": dep, "description": unique("d")}
    result(await wire.write("deployment.update", update, namespace=namespace))
    return dep


@pytest.mark.slow
async def test_killing_the_relay_between_commit_and_publish_loses_no_event(
    wire: Wire, settings: Settings
) -> None:
    """Killing the relay between commit and publish loses no event; it is published after
    restart, with the same id."""
    namespace = f"{settings.namespace}-crash-{uuid.uuid4().hex[:6]}"
    try:
        async with (
            own_database(settings) as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
        ):
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            async with leader_lock(url):
                async with worker_process(own) as (process, log):
                    await some_writes(wire, namespace)
                    noted = await outbox_events(db)
                    assert len(noted) == 1 + 3 + 4  # created; 3 runs; 3 runs deleted + updated
                    assert not any(e.sent for e in noted)
                    await subscriber.stays(0, window=0.5)  # no relay may lead meanwhile
                    process.kill()
                    assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL
                assert not any("outbox relay leading" in line for line in log), "".join(log)

            async with running_worker(own):
                await subscriber.holds_ids(e.id for e in noted)
                # A change after the restart comes after every event recovered.
                later = await some_writes(wire, namespace)
                everything = await outbox_events(db)
                await subscriber.holds_ids(e.id for e in everything)
                await subscriber.stays(len(everything), window=0.5)

                async def all_marked() -> bool:
                    return all(e.sent for e in await outbox_events(db))

                await wait_until(all_marked, timeout=15)

        assert everything[: len(noted)] == [OutboxEvent(e.seq, e.id, e.body, True) for e in noted]
        assert subscriber.ids() == [e.id for e in everything]
        for message, event in zip(subscriber.messages, everything, strict=True):
            assert message.body == event.body  # byte for byte what was committed
            envelope_of(message)
        assert len(subscriber.about(later)) == len(everything) - len(noted)
    finally:
        await wire.delete_namespace(namespace)


BURST = 50
SLOW_MARK = [
    "CREATE FUNCTION e2e_slow_mark() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$",
    "CREATE TRIGGER e2e_slow_mark BEFORE UPDATE ON outbox "
    "FOR EACH STATEMENT EXECUTE FUNCTION e2e_slow_mark()",
]


@pytest.mark.slow
async def test_a_stopped_worker_has_published_the_events_of_every_command_it_answered(
    wire: Wire, settings: Settings
) -> None:
    """The database is slow to mark rows sent (one second a statement), so the relay is still
    busy with its first pass when the whole burst has been answered and the worker stops."""
    namespace = f"{settings.namespace}-flush-{uuid.uuid4().hex[:6]}"
    try:
        async with (
            own_database(settings) as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
        ):
            async with db.engine.begin() as connection:
                for statement in SLOW_MARK:
                    await connection.exec_driver_sql(statement)
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            client = await Client.connect(settings.amqp_url, namespace)
            try:
                async with running_worker(own):
                    flow = (await client.call("flow.create", {"name": unique("flow")})).result
                    replies = await asyncio.gather(
                        *(
                            client.call(
                                "deployment.create", {"flow_id": flow["id"], "name": f"d{n}"}
                            )
                            for n in range(BURST)
                        )
                    )
                    assert all(r.ok for r in replies), [r.body for r in replies if not r.ok]
                # The worker stopped cleanly; no relay runs on this database any more.
                answered = await outbox_events(db)
            finally:
                await client.close()
            assert len(answered) == BURST
            assert [e.id for e in answered if not e.sent] == []
            await subscriber.holds_ids((e.id for e in answered), within=2)
    finally:
        await wire.delete_namespace(namespace)


@pytest.mark.slow
async def test_two_relays_on_one_database_publish_each_event_once_one_leading_at_a_time(
    wire: Wire, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    relays: list[Relay] = []

    class Recorded(Relay):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            relays.append(self)

    monkeypatch.setattr(deployq.sidecars, "Relay", Recorded)
    namespace = f"{settings.namespace}-relays-{uuid.uuid4().hex[:6]}"
    overlaps: list[int] = []

    async def watch_leaders() -> None:
        while True:
            leading = sum(r.leading.is_set() for r in relays)
            if leading > 1:
                overlaps.append(leading)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch_leaders())
    try:
        async with (
            own_database(settings) as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
            contextlib.AsyncExitStack() as second,
            contextlib.AsyncExitStack() as first,
        ):
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            await first.enter_async_context(running_worker(own))
            await wait_until(_is_set(relays, 0))
            await second.enter_async_context(running_worker(own))
            assert len(relays) == 2

            # Both workers take commands; the first relay publishes every event.
            made = await asyncio.gather(*(some_writes(wire, namespace) for _ in range(4)))
            published = await outbox_events(db)
            await subscriber.holds_ids(e.id for e in published)
            await subscriber.stays(len(published), window=0.5)
            assert not relays[1].leading.is_set()

            # The leader stops; the other takes over and publishes what follows.
            await first.aclose()
            assert not relays[0].leading.is_set()
            await wait_until(_is_set(relays, 1))
            made += await asyncio.gather(*(some_writes(wire, namespace) for _ in range(2)))
            everything = await outbox_events(db)
            await subscriber.holds_ids(e.id for e in everything)
            await subscriber.stays(len(everything), window=0.5)

            async def all_marked() -> bool:
                return all(e.sent for e in await outbox_events(db))

            await wait_until(all_marked, timeout=15)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await wire.delete_namespace(namespace)

    assert overlaps == []
    assert len(everything) == len(made) * 8
    assert sorted(subscriber.ids()) == sorted(e.id for e in everything)
    for dep in made:  # in commit order per deployment
        assert [m.message_id for m in subscriber.about(dep)] == [
            e.id for e in everything if e.concerns(dep)
        ]


def _is_set(relays: list[Relay], index: int) -> Callable[[], Awaitable[bool]]:
    async def leading() -> bool:
        return len(relays) > index and relays[index].leading.is_set()

    return leading
