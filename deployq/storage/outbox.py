"""The outbox (CONTRACT §4): events written with the change that caused them, relayed later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.events import Event
from deployq.storage.driver import Compiled, Driver
from deployq.storage.tables import outbox

INSERT_EVENTS = sa.insert(outbox).values(
    event_ids=sa.bindparam("event_ids"),
    routing_keys=sa.bindparam("routing_keys"),
    types=sa.bindparam("types"),
    bodies=sa.bindparam("bodies"),
)


def event_columns(events: Sequence[Event]) -> dict[str, object]:
    """One outbox row's parameters: the events of one transaction, in order."""
    return {
        "event_ids": [e.id for e in events],
        "routing_keys": [e.routing_key for e in events],
        "types": [e.type for e in events],
        "bodies": [e.body for e in events],
    }


@dataclass(frozen=True, slots=True)
class Pending:
    seq: int
    events: list[Event]


_INSERT_EVENTS = Compiled.of(INSERT_EVENTS)
_oldest = (
    sa.select(
        outbox.c.seq,
        outbox.c.event_ids,
        outbox.c.routing_keys,
        outbox.c.types,
        outbox.c.bodies,
        sa.func.sum(sa.func.cardinality(outbox.c.event_ids))
        .over(order_by=outbox.c.seq)
        .label("through"),
    )
    .where(outbox.c.sent_at.is_(None))
    .order_by(outbox.c.seq)
    .limit(sa.bindparam("max_rows"))
    .subquery()
)
_PENDING = Compiled.of(
    sa.select(
        _oldest.c.seq,
        _oldest.c.event_ids,
        _oldest.c.routing_keys,
        _oldest.c.types,
        _oldest.c.bodies,
    )
    .where(
        _oldest.c.through - sa.func.cardinality(_oldest.c.event_ids) < sa.bindparam("max_events")
    )
    .order_by(_oldest.c.seq)
)


class OutboxRepository:
    def __init__(self, connection: AsyncConnection, driver: Driver) -> None:
        self.connection = connection
        self.driver = driver

    async def add(self, events: Sequence[Event]) -> None:
        """All of a transaction's events go in one row, in the order they happened."""
        if events:
            await self.driver.execute(_INSERT_EVENTS, event_columns(events))

    async def pending(self, max_rows: int, max_events: int) -> list[Pending]:
        """The oldest unsent rows, in order: at most `max_rows`, and no more rows once
        `max_events` events are reached (the first row always comes, whatever its size)."""
        rows = await self.driver.fetch(_PENDING, {"max_rows": max_rows, "max_events": max_events})
        return [
            Pending(seq, [Event(*parts) for parts in zip(ids, keys, types, bodies, strict=True)])
            for seq, ids, keys, types, bodies in map(tuple, rows)
        ]

    async def mark_sent(self, seqs: Sequence[int], *, now: datetime) -> None:
        statement = sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(sent_at=now)
        await self.connection.execute(statement)

    async def purge(self, sent_before: datetime) -> int:
        statement = sa.delete(outbox).where(outbox.c.sent_at < sent_before)
        return (await self.connection.execute(statement)).rowcount

    async def unsent(self) -> int:
        statement = sa.select(
            sa.func.coalesce(sa.func.sum(sa.func.cardinality(outbox.c.event_ids)), 0)
        ).where(outbox.c.sent_at.is_(None))
        return int((await self.connection.execute(statement)).scalar_one())
