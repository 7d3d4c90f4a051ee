"""The transactional outbox against PostgreSQL (CONTRACT §4): what a command's transaction writes
to `outbox`, and how the relay reads, publishes and marks those rows.

Commands go through the dispatcher (`execute`), as a worker runs them, so the reply and the first
outbox row travel in one statement exactly as in production. The module has a database of its
own with no relay on it: every row a test writes stays unsent until the test publishes it, and
no other test's rows get in the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import aio_pika
import orjson
import pytest
import sqlalchemy as sa
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aiormq.exceptions import AMQPError, ChannelInvalidStateError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deployq.consumers.codec import Incoming, decode
from deployq.consumers.dispatch import execute
from deployq.consumers.topology import Topology
from deployq.handlers.deployments import create_deployment
from deployq.messages import events
from deployq.messages.deployments import CreateDeployment
from deployq.messages.events import Event
from deployq.metrics import Metrics
from deployq.relay import Relay
from deployq.relay.publisher import amqp_message
from deployq.settings import Settings
from deployq.storage.database import Database, create_engine
from deployq.storage.inbox import Claim
from deployq.storage.migrate import upgrade
from deployq.storage.outbox import OutboxRepository
from deployq.storage.unit_of_work import OUTBOX_ROW_EVENTS
from tests.integration.builders import (
    ALL_DELETABLE,
    AUTO_ANY_TIME,
    AUTO_FUTURE_ONLY,
    deployments_named,
    make_flow,
    runs_of,
    seed_runs,
)
from tests.integration.runs_support import interval, runs
from tests.support import unique, wait_until

BODY_LIMIT = 1024 * 1024
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
CREATED, UPDATED, DELETED = (
    events.DEPLOYMENT_CREATED,
    events.DEPLOYMENT_UPDATED,
    events.DEPLOYMENT_DELETED,
)


# --- the module's own database -------------------------------------------------------------


@pytest.fixture(scope="module")
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database of this module's own (it replaces the session `db` here): no relay
    runs on it, so the outbox holds only what these tests wrote, unsent until they send it."""
    server = make_url(database_url)
    name = f"{server.database}_outbox"
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    database: Database | None = None
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, url)
        database = Database(create_engine(url, pool_size=5))
        yield database
    finally:
        if database is not None:
            await database.dispose()
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


# --- reading the outbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    seq: int
    event_ids: list[UUID]
    routing_keys: list[str]
    types: list[str]
    bodies: list[bytes]
    sent_at: datetime | None

    def event(self, index: int) -> Event:
        return Event(
            self.event_ids[index], self.routing_keys[index], self.types[index], self.bodies[index]
        )

    def envelopes(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for body in self.bodies]


async def last_seq(db: Database) -> int:
    async with db.reading() as uow:
        found = await uow.connection.execute(sa.text("SELECT coalesce(max(seq), 0) FROM outbox"))
        return int(found.scalar_one())


async def rows_after(db: Database, seq: int) -> list[Row]:
    """Every outbox row written after `seq`, sent or not, oldest first."""
    statement = sa.text(
        "SELECT seq, event_ids, routing_keys, types, bodies, sent_at FROM outbox "
        "WHERE seq > :seq ORDER BY seq"
    )
    async with db.reading() as uow:
        found = await uow.connection.execute(statement, {"seq": seq})
        return [
            Row(
                r.seq,
                [UUID(str(i)) for i in r.event_ids],
                list(r.routing_keys),
                list(r.types),
                [bytes(b) for b in r.bodies],
                r.sent_at,
            )
            for r in found
        ]


async def mark_all_sent(db: Database) -> None:
    """Retire what earlier tests left pending, so the relay and `pending` see only this test's."""
    async with db.reading() as uow:
        await uow.connection.execute(
            sa.text("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL")
        )


def check_event(
    row: Row, index: int, *, type_: str, routing_key: str, subject: str, now: datetime
) -> Any:
    """Event `index` of `row` is a CloudEvents 1.0 envelope (CONTRACT §4) whose id is the
    AMQP message_id it will be published with; returns its `data`."""
    envelope = orjson.loads(row.bodies[index])
    assert set(envelope) == ENVELOPE_KEYS, envelope
    event = row.event(index)
    assert {k: v for k, v in envelope.items() if k not in ("time", "data")} == {
        "specversion": "1.0",
        "id": str(event.id),
        "source": "deployq",
        "type": type_,
        "subject": subject,
        "datacontenttype": "application/json",
    }
    assert (event.type, event.routing_key) == (type_, routing_key)
    assert amqp_message(event).message_id == envelope["id"]
    assert envelope["time"].endswith("Z"), envelope["time"]
    assert datetime.fromisoformat(envelope["time"]) == now
    return envelope["data"]


def check_runs_deleted(
    row: Row,
    indexes: Iterable[int],
    deployment_id: str,
    scheduled: dict[UUID, datetime],
    now: datetime,
) -> set[UUID]:
    """The events at `indexes` are `flow_run.deleted`, one per run; returns the run ids."""
    seen: list[UUID] = []
    for index in indexes:
        subject = orjson.loads(row.bodies[index])["subject"]
        data = check_event(
            row,
            index,
            type_=events.FLOW_RUN_DELETED,
            routing_key=f"flow_run.deleted.{deployment_id}",
            subject=subject,
            now=now,
        )
        assert set(data) == {"id", "deployment_id", "scheduled_time"}, data
        assert data["id"] == subject
        assert data["deployment_id"] == deployment_id
        run_id = UUID(subject)
        assert datetime.fromisoformat(data["scheduled_time"]) == scheduled[run_id]
        seen.append(run_id)
    assert len(seen) == len(set(seen)), seen
    return set(seen)


# --- commands as the worker runs them ---------------------------------------------------------


async def dispatch(db: Database, command: str, body: dict[str, Any], *, now: datetime) -> Any:
    """Decode and execute one write with a fresh message_id; the reply body."""
    message = Incoming(orjson.dumps(body), command, message_id=uuid.uuid4().hex)
    answer = await execute(decode(message, body_limit=BODY_LIMIT, now=now), db, lambda: now)
    return orjson.loads(answer.body)


def ok(reply: dict[str, Any]) -> Any:
    assert reply["ok"] is True, reply
    return reply["result"]


def refused(reply: dict[str, Any], code: str) -> None:
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == code, reply


def without_outcome(deployment: dict[str, Any]) -> dict[str, Any]:
    assert deployment["outcome"] in ("created", "updated")
    return {k: v for k, v in deployment.items() if k != "outcome"}


async def create(db: Database, now: datetime, **fields: Any) -> Any:
    if "flow_id" not in fields and "flow_name" not in fields:
        fields["flow_id"] = str((await make_flow(db, now)).id)
    return ok(await dispatch(db, "deployment.create", {"name": unique("dep"), **fields}, now=now))


async def scheduled_times(db: Database, deployment_id: str) -> dict[UUID, datetime]:
    return {r["id"]: r["next_scheduled_start_time"] for r in await runs(db, UUID(deployment_id))}


async def with_future_runs(db: Database, now: datetime, count: int = 3) -> tuple[Any, list[str]]:
    """A deployment (one hourly schedule, no slug) and its `count` future auto-scheduled runs."""
    soon = now.replace(microsecond=0) + timedelta(minutes=30)
    deployment = await create(db, now, schedules=[interval(3600, soon)])
    made = ok(
        await dispatch(
            db,
            "deployment.schedule_runs",
            {"deployment_id": deployment["id"], "min_runs": count, "max_runs": count},
            now=now,
        )
    )
    assert len(made["run_ids"]) == count
    return deployment, made["run_ids"]


# --- a rolled-back change writes nothing --------------------------------------------------------


REFUSALS = {
    "update of a missing id": ("deployment.update", {"description": "x"}, "not_found", True),
    "pause of a missing id": ("deployment.pause", {}, "not_found", True),
    "delete of a missing id": ("deployment.delete", {}, "not_found", True),
    # These two fail after the handler deleted the future runs and announced them.
    "conflict after runs were deleted": (
        "deployment.update",
        {"schedules": [{"schedule": {"interval": 60}, "slug": "a"}] * 2},
        "conflict",
        False,
    ),
    "validation error after runs were deleted": (
        "deployment.update",
        {"schedules": [{"active": True}]},
        "validation_error",
        False,
    ),
}


@pytest.mark.parametrize(("command", "body", "code", "missing"), REFUSALS.values(), ids=REFUSALS)
async def test_a_refused_write_writes_no_outbox_row(
    db: Database, now: datetime, command: str, body: dict[str, Any], code: str, missing: bool
) -> None:
    deployment, run_ids = await with_future_runs(db, now)
    target = str(uuid.uuid4()) if missing else deployment["id"]
    mark = await last_seq(db)

    refused(await dispatch(db, command, {"id": target, **body}, now=now), code)

    assert await rows_after(db, mark) == []
    assert {str(r) for r in await runs_of(db, UUID(deployment["id"]))} == set(run_ids)


@pytest.mark.parametrize("ending", ["left without commit", "raised"])
async def test_a_transaction_that_does_not_commit_writes_no_outbox_row(
    db: Database, now: datetime, ending: str
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    command = CreateDeployment.model_validate({"flow_id": str(flow.id), "name": name})
    mark = await last_seq(db)

    with pytest.raises(RuntimeError) if ending == "raised" else contextlib.nullcontext():
        async with db.transaction() as uow:
            await create_deployment(command, uow, now=now)
            assert [e.type for e in uow.events] == [CREATED]
            if ending == "raised":
                raise RuntimeError("the caller failed after the handler")

    assert await rows_after(db, mark) == []
    assert await deployments_named(db, name) == 0


# --- what each deployment command writes --------------------------------------------------------


async def test_create_writes_one_row_with_one_cloudevent(db: Database, now: datetime) -> None:
    soon = now.replace(microsecond=0) + timedelta(hours=1)
    mark = await last_seq(db)

    created = await create(db, now, tags=["a"], schedules=[interval(600, soon, slug="often")])

    (row,) = await rows_after(db, mark)
    assert row.sent_at is None
    assert len(row.event_ids) == 1
    data = check_event(
        row, 0, type_=CREATED, routing_key="deployment.created", subject=created["id"], now=now
    )
    assert created["outcome"] == "created"
    assert data == without_outcome(created)
    assert data["schedules"][0]["slug"] == "often"


async def test_upsert_of_an_existing_deployment_announces_updated_after_its_removed_runs(
    db: Database, now: datetime
) -> None:
    first, run_ids = await with_future_runs(db, now)
    scheduled = await scheduled_times(db, first["id"])
    mark = await last_seq(db)

    again = await create(db, now, flow_id=first["flow_id"], name=first["name"], description="2")

    assert again["outcome"] == "updated"
    assert again["id"] == first["id"]
    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    assert check_runs_deleted(row, removed, first["id"], scheduled, now) == {
        UUID(r) for r in run_ids
    }
    data = check_event(
        row, last, type_=UPDATED, routing_key="deployment.updated", subject=first["id"], now=now
    )
    assert data == without_outcome(again)
    assert data["description"] == "2"
    assert data["schedules"] == []


CHANGES = {
    "update": ("deployment.update", {"description": "changed"}, AUTO_FUTURE_ONLY),
    "pause": ("deployment.pause", {}, AUTO_ANY_TIME),
    "resume": ("deployment.resume", {}, frozenset()),
}


@pytest.mark.parametrize(("command", "body", "kinds"), CHANGES.values(), ids=CHANGES)
async def test_a_change_announces_the_runs_it_removed_then_the_deployment_updated(
    db: Database,
    now: datetime,
    command: str,
    body: dict[str, Any],
    kinds: frozenset[str],
) -> None:
    deployment = await create(db, now)
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    mark = await last_seq(db)

    changed = ok(await dispatch(db, command, {"id": deployment["id"], **body}, now=now))

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in kinds}
    data = check_event(
        row,
        last,
        type_=UPDATED,
        routing_key="deployment.updated",
        subject=deployment["id"],
        now=now,
    )
    assert data == changed


SCHEDULE_CHANGES = {
    "schedules.create": ("deployment.schedules.create", frozenset()),
    "schedules.update": ("deployment.schedules.update", AUTO_FUTURE_ONLY),
    "schedules.delete": ("deployment.schedules.delete", AUTO_ANY_TIME),
    "schedules.delete_all": ("deployment.schedules.delete_all", AUTO_ANY_TIME),
}


@pytest.mark.parametrize(("command", "kinds"), SCHEDULE_CHANGES.values(), ids=SCHEDULE_CHANGES)
async def test_a_schedule_change_announces_its_deployment_updated(
    db: Database, now: datetime, command: str, kinds: frozenset[str]
) -> None:
    soon = now.replace(microsecond=0) + timedelta(hours=1)
    deployment = await create(db, now, schedules=[interval(3600, soon)])
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    schedule_id = deployment["schedules"][0]["id"]
    bodies: dict[str, dict[str, Any]] = {
        "deployment.schedules.create": {"schedules": [{"schedule": {"interval": 60}}]},
        "deployment.schedules.update": {"schedule_id": schedule_id, "active": False},
        "deployment.schedules.delete": {"schedule_id": schedule_id},
        "deployment.schedules.delete_all": {},
    }
    mark = await last_seq(db)

    ok(await dispatch(db, command, {"deployment_id": deployment["id"], **bodies[command]}, now=now))

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in kinds}
    data = check_event(
        row,
        last,
        type_=UPDATED,
        routing_key="deployment.updated",
        subject=deployment["id"],
        now=now,
    )
    read = ok(await dispatch(db, "deployment.read", {"id": deployment["id"]}, now=now))
    assert data == read


async def test_delete_announces_each_removed_run_then_the_deployment_deleted(
    db: Database, now: datetime
) -> None:
    deployment = await create(db, now)
    other = await create(db, now, flow_id=deployment["flow_id"])
    seeded = await seed_runs(
        db,
        flow_id=UUID(deployment["flow_id"]),
        deployment_id=UUID(deployment["id"]),
        other_deployment_id=UUID(other["id"]),
        now=now,
    )
    scheduled = await scheduled_times(db, deployment["id"])
    mark = await last_seq(db)

    assert ok(await dispatch(db, "deployment.delete", {"id": deployment["id"]}, now=now)) == {
        "deleted": True
    }

    (row,) = await rows_after(db, mark)
    *removed, last = range(len(row.event_ids))
    announced = check_runs_deleted(row, removed, deployment["id"], scheduled, now)
    assert announced == {seeded[k] for k in ALL_DELETABLE}
    data = check_event(
        row,
        last,
        type_=DELETED,
        routing_key="deployment.deleted",
        subject=deployment["id"],
        now=now,
    )
    assert data == {"id": deployment["id"]}


# --- rows of bounded size ---------------------------------------------------------------------


def synthetic(count: int, now: datetime) -> list[Event]:
    return [
        events.event("deployq.test.counted", "test.counted", str(n), b'{"n":%d}' % n, time=now)
        for n in range(count)
    ]


@pytest.mark.parametrize("with_reply", [False, True], ids=["plain commit", "commit with reply"])
@pytest.mark.parametrize(
    "count", [1, OUTBOX_ROW_EVENTS, OUTBOX_ROW_EVENTS + 1, 2 * OUTBOX_ROW_EVENTS + 500]
)
async def test_a_transaction_s_events_are_split_into_rows_of_bounded_size_in_order(
    db: Database, now: datetime, count: int, with_reply: bool
) -> None:
    emitted = synthetic(count, now)
    message_id = uuid.uuid4().hex
    claim = Claim(message_id, "test.emit", b"\x00" * 32, now) if with_reply else None
    mark = await last_seq(db)

    async with db.transaction(claim=claim) as uow:
        uow.emit(*emitted)
        if with_reply:
            assert uow.claimed
            await uow.commit(reply_to=message_id, reply=b'{"ok":true,"result":{}}')
        else:
            await uow.commit()

    rows = await rows_after(db, mark)
    full, rest = divmod(count, OUTBOX_ROW_EVENTS)
    assert [len(r.event_ids) for r in rows] == [OUTBOX_ROW_EVENTS] * full + ([rest] if rest else [])
    assert [r.seq for r in rows] == sorted({r.seq for r in rows})
    stored = [r.event(i) for r in rows for i in range(len(r.event_ids))]
    assert stored == emitted
    if with_reply:
        async with db.reading() as uow:
            remembered = await uow.inbox.find(message_id)
        assert remembered is not None
        assert remembered.reply == b'{"ok":true,"result":{}}'


async def test_schedule_runs_beyond_a_row_of_events_writes_them_in_creation_order(
    db: Database, now: datetime
) -> None:
    each = 600  # two schedules: one schedule alone stops at 1000 occurrences
    soon = now.replace(microsecond=0) + timedelta(minutes=5)
    schedules = [interval(60, soon), interval(60, soon + timedelta(seconds=30))]
    deployment = await create(db, now, schedules=schedules)
    mark = await last_seq(db)

    made = ok(
        await dispatch(
            db,
            "deployment.schedule_runs",
            {"deployment_id": deployment["id"], "min_time": (each - 1) * 60, "max_runs": each},
            now=now,
        )
    )

    count = 2 * each
    assert len(set(made["run_ids"])) == count
    rows = await rows_after(db, mark)
    assert [len(r.event_ids) for r in rows] == [OUTBOX_ROW_EVENTS, count - OUTBOX_ROW_EVENTS]
    envelopes = [e for r in rows for e in r.envelopes()]
    assert [e["subject"] for e in envelopes] == made["run_ids"]
    assert [e["data"]["id"] for e in envelopes] == made["run_ids"]
    assert {e["type"] for e in envelopes} == {events.FLOW_RUN_CREATED}
    assert {k for r in rows for k in r.routing_keys} == {f"flow_run.created.{deployment['id']}"}


# --- pending(max_rows, max_events) ---------------------------------------------------------------


ROW_SIZES = [3, 2, 4, 1]
BOUNDS = [
    # (max_rows, max_events) -> which of the rows of ROW_SIZES come, oldest first
    ((10, 100), [0, 1, 2, 3]),
    ((2, 100), [0, 1]),
    ((1, 100), [0]),
    ((10, 10), [0, 1, 2, 3]),
    ((10, 9), [0, 1, 2]),
    ((10, 6), [0, 1, 2]),
    ((10, 5), [0, 1]),
    ((10, 4), [0, 1]),
    ((10, 3), [0]),
    ((10, 1), [0]),  # the first row always comes, whatever its size
    ((3, 100), [0, 1, 2]),
]


async def write_rows(db: Database, sizes: list[int], now: datetime) -> list[list[Event]]:
    """One committed transaction per size, each emitting that many events."""
    written = []
    for size in sizes:
        emitted = synthetic(size, now)
        async with db.transaction() as uow:
            uow.emit(*emitted)
            await uow.commit()
        written.append(emitted)
    return written


@pytest.mark.parametrize(
    ("bounds", "expected"), BOUNDS, ids=[f"{r}rows-{e}events" for (r, e), _ in BOUNDS]
)
async def test_pending_takes_the_oldest_unsent_rows_within_its_bounds(
    db: Database, now: datetime, bounds: tuple[int, int], expected: list[int]
) -> None:
    await mark_all_sent(db)
    written = await write_rows(db, ROW_SIZES, now)

    async with db.reading() as uow:
        pending = await uow.outbox.pending(*bounds)

    assert [p.events for p in pending] == [written[i] for i in expected]
    assert [p.seq for p in pending] == sorted(p.seq for p in pending)


async def test_pending_skips_rows_already_sent(db: Database, now: datetime) -> None:
    await mark_all_sent(db)
    written = await write_rows(db, [2, 3, 1], now)
    async with db.reading() as uow:
        first, *_ = await uow.outbox.pending(1, 100)
        await uow.outbox.mark_sent([first.seq], now=now)
        left = await uow.outbox.pending(10, 100)
        unsent = await uow.outbox.unsent()

    assert first.events == written[0]
    assert [p.events for p in left] == written[1:]
    assert unsent == 4


# --- the relay --------------------------------------------------------------------------------


@dataclass
class Subscriber:
    """A queue of the test's own bound with `#` to `<namespace>.events`."""

    namespace: str
    channel: AbstractChannel
    queue: AbstractQueue
    messages: list[AbstractIncomingMessage]

    async def bind(self) -> None:
        exchange = await self.channel.declare_exchange(
            f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        await self.queue.bind(exchange, routing_key="#")

    async def received(self, count: int) -> list[AbstractIncomingMessage]:
        async def arrived() -> bool:
            return len(self.messages) >= count

        await wait_until(arrived, timeout=15)
        return self.messages

    async def assert_quiet(self, count: int, *, window: float = 0.5) -> None:
        """For `window` seconds the subscriber holds exactly `count` messages."""
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            assert len(self.messages) == count, [m.message_id for m in self.messages]
            await asyncio.sleep(0.02)


@dataclass
class Broker:
    settings: Settings
    connection: aio_pika.abc.AbstractConnection
    subscriber: Subscriber
    db: Database
    now: datetime

    @property
    def namespace(self) -> str:
        return self.subscriber.namespace

    async def relay(self, connection: aio_pika.abc.AbstractConnection | None = None) -> Relay:
        """A relay on a confirming channel of its own that never leads: `run` declares the events
        exchange and, `stop` being set already, returns; the test drives `publish_pending`."""
        channel = await (connection or self.connection).channel(publisher_confirms=True)
        relay = Relay(
            db=self.db,
            database_url=self.db.engine.url.render_as_string(hide_password=False),
            channel=channel,
            topology=Topology(self.namespace),
            clock=lambda: self.now,
            metrics=Metrics(),
        )
        stop = asyncio.Event()
        stop.set()
        await relay.run(stop)
        assert not relay.leading.is_set()
        return relay


@pytest.fixture
async def broker(settings: Settings, db: Database, now: datetime) -> AsyncIterator[Broker]:
    """A fresh namespace on the real broker with a subscriber on its events exchange."""
    namespace = f"{settings.namespace}-outbox-{uuid.uuid4().hex[:6]}"
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        messages: list[AbstractIncomingMessage] = []

        async def keep(message: AbstractIncomingMessage) -> None:
            messages.append(message)

        subscriber = Subscriber(namespace, channel, queue, messages)
        await subscriber.bind()
        await queue.consume(keep, no_ack=True)
        yield Broker(settings, connection, subscriber, db, now)
        cleanup = await connection.channel()
        await cleanup.exchange_delete(f"{namespace}.events")
    finally:
        await connection.close()


async def stored_events(db: Database, mark: int) -> tuple[list[Row], list[Event]]:
    rows = await rows_after(db, mark)
    return rows, [r.event(i) for r in rows for i in range(len(r.event_ids))]


async def some_changes(db: Database, now: datetime) -> None:
    """Several transactions, some of many events: create, runs, update, another create, delete."""
    deployment, _ = await with_future_runs(db, now, count=4)
    ok(await dispatch(db, "deployment.update", {"id": deployment["id"], "tags": ["x"]}, now=now))
    await create(db, now, flow_id=deployment["flow_id"])
    ok(await dispatch(db, "deployment.delete", {"id": deployment["id"]}, now=now))


def check_published(messages: list[AbstractIncomingMessage], expected: list[Event]) -> None:
    """The messages are the events, in this order, as CONTRACT §4 puts them on the wire."""
    assert [m.message_id for m in messages] == [str(e.id) for e in expected]
    for message, event in zip(messages, expected, strict=True):
        assert message.body == event.body
        assert message.routing_key == event.routing_key
        assert message.type == event.type
        assert message.content_type == "application/cloudevents+json"
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert orjson.loads(message.body)["id"] == message.message_id


async def sent_at(db: Database, rows: list[Row]) -> list[datetime | None]:
    fresh = {r.seq: r.sent_at for r in await rows_after(db, rows[0].seq - 1)}
    return [fresh[r.seq] for r in rows]


async def test_publish_pending_publishes_in_seq_order_then_marks_the_rows_sent(
    db: Database, broker: Broker, now: datetime
) -> None:
    await mark_all_sent(db)
    mark = await last_seq(db)
    await some_changes(db, now)
    rows, expected = await stored_events(db, mark)
    assert len(rows) == 5
    assert await sent_at(db, rows) == [None] * len(rows)
    relay = await broker.relay()
    await broker.subscriber.assert_quiet(0, window=0.2)  # a relay that does not lead sends nothing

    published = await relay.publish_pending()

    assert published == len(expected)
    check_published(await broker.subscriber.received(len(expected)), expected)
    assert await sent_at(db, rows) == [now] * len(rows)
    assert await relay.publish_pending() == 0
    await broker.subscriber.assert_quiet(len(expected))


async def test_publish_pending_passes_are_bounded_and_keep_the_order(
    db: Database, broker: Broker, now: datetime
) -> None:
    await mark_all_sent(db)
    mark = await last_seq(db)
    written = await write_rows(db, [2, 3, 1, 4], now)
    relay = await broker.relay()
    relay.batch_rows, relay.batch_events = 2, 100

    passes = [await relay.publish_pending() for _ in range(3)]

    assert passes == [5, 5, 0]
    expected = [e for row in written for e in row]
    check_published(await broker.subscriber.received(len(expected)), expected)
    rows, _ = await stored_events(db, mark)
    assert all(r.sent_at == now for r in rows)


async def test_a_refused_publish_leaves_the_rows_unsent_and_the_next_pass_sends_the_same_ids(
    db: Database, broker: Broker, now: datetime
) -> None:
    await mark_all_sent(db)
    mark = await last_seq(db)
    await some_changes(db, now)
    rows, expected = await stored_events(db, mark)
    # The broker refuses the publishes: their exchange is gone (the subscriber's binding too).
    # The refusal closes the relay's channel, and the publishes still in flight on it make the
    # broker close the whole connection: the failing relay gets a connection of its own.
    own = await aio_pika.connect(broker.settings.amqp_url)
    try:
        failing = await broker.relay(own)
        scratch = await broker.connection.channel()
        await scratch.exchange_delete(f"{broker.namespace}.events")
        await scratch.close()

        # The first publish gets NOT_FOUND; the others find their channel closed.
        with pytest.raises((AMQPError, ChannelInvalidStateError)):
            await failing.publish_pending()
    finally:
        with contextlib.suppress(Exception):
            await own.close()

    assert await sent_at(db, rows) == [None] * len(rows)
    await broker.subscriber.bind()
    assert await (await broker.relay()).publish_pending() == len(expected)
    check_published(await broker.subscriber.received(len(expected)), expected)
    assert await sent_at(db, rows) == [now] * len(rows)


async def test_events_published_but_not_marked_go_out_again_with_the_same_ids(
    db: Database, broker: Broker, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay dies between the confirms and the mark: at least once, with stable ids."""
    await mark_all_sent(db)
    mark = await last_seq(db)
    await some_changes(db, now)
    rows, expected = await stored_events(db, mark)
    relay = await broker.relay()

    async def lost(*_: object, **__: object) -> None:
        raise ConnectionResetError("the database went away before the mark")

    monkeypatch.setattr(OutboxRepository, "mark_sent", lost)
    with pytest.raises(ConnectionResetError):
        await relay.publish_pending()
    check_published(await broker.subscriber.received(len(expected)), expected)
    assert await sent_at(db, rows) == [None] * len(rows)
    monkeypatch.undo()

    assert await relay.publish_pending() == len(expected)

    messages = await broker.subscriber.received(2 * len(expected))
    check_published(messages, expected + expected)
    assert await sent_at(db, rows) == [now] * len(rows)
    await broker.subscriber.assert_quiet(2 * len(expected))
