"""The outbox as stored, read back by the tests, and events of the tests' own to fill it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa

from deployq.messages import events
from deployq.messages.events import Event
from deployq.relay.publisher import amqp_message
from deployq.storage.database import Database
from tests.cloudevents import ENVELOPE_KEYS

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


# --- rows of bounded size ---------------------------------------------------------------------


def synthetic(count: int, now: datetime) -> list[Event]:
    return [
        events.event("deployq.test.counted", "test.counted", str(n), b'{"n":%d}' % n, time=now)
        for n in range(count)
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


async def stored_events(db: Database, mark: int) -> tuple[list[Row], list[Event]]:
    rows = await rows_after(db, mark)
    return rows, [r.event(i) for r in rows for i in range(len(r.event_ids))]


async def sent_at(db: Database, rows: list[Row]) -> list[datetime | None]:
    fresh = {r.seq: r.sent_at for r in await rows_after(db, rows[0].seq - 1)}
    return [fresh[r.seq] for r in rows]
