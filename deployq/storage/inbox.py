"""The inbox (CONTRACT §6): the stored reply of every write command, keyed by message_id.

Statements are built once at import: they run on every write, and a prebuilt statement with
bound parameters costs far less per command than one built each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from deployq.messages.events import Event
from deployq.storage.driver import Compiled, Driver
from deployq.storage.outbox import event_columns
from deployq.storage.tables import inbox, outbox


@dataclass(frozen=True, slots=True)
class Remembered:
    command: str
    body_hash: bytes
    reply: bytes
    ok: bool


INSERT_IF_NEW = (
    insert(inbox)
    .values({c.name: sa.bindparam(c.name, type_=c.type) for c in inbox.c})
    .on_conflict_do_nothing(index_elements=[inbox.c.message_id])
)
FIND = sa.select(inbox.c.command, inbox.c.body_hash, inbox.c.reply, inbox.c.ok).where(
    inbox.c.message_id == sa.bindparam("message_id")
)
# A write's id taken with its reply at commit, and its events written only if it was taken.
_KEPT = INSERT_IF_NEW.returning(inbox.c.message_id).cte("kept")
KEEP = sa.select(sa.func.count()).select_from(_KEPT)
KEEP_WITH_EVENTS = KEEP.add_cte(
    sa.insert(outbox)
    .from_select(
        ["event_ids", "routing_keys", "types", "bodies"],
        sa.select(
            *(
                sa.bindparam(n, type_=outbox.c[n].type)
                for n in ("event_ids", "routing_keys", "types", "bodies")
            )
        ).where(sa.exists(sa.select(_KEPT.c.message_id))),
    )
    .cte("events")
)
PRUNE = sa.delete(inbox).where(
    inbox.c.message_id.in_(
        sa.select(inbox.c.message_id)
        .where(inbox.c.handled_at < sa.bindparam("before"))
        .limit(sa.bindparam("batch"))
        .scalar_subquery()
    )
)
_INSERT_IF_NEW, _FIND, _PRUNE, _KEEP, _KEEP_WITH_EVENTS = map(
    Compiled.of, (INSERT_IF_NEW, FIND, PRUNE, KEEP, KEEP_WITH_EVENTS)
)


def _row(message_id: str, entry: Remembered, now: datetime) -> dict[str, object]:
    return {
        "message_id": message_id,
        "command": entry.command,
        "body_hash": entry.body_hash,
        "reply": entry.reply,
        "ok": entry.ok,
        "handled_at": now,
    }


class InboxRepository:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    async def find(self, message_id: str) -> Remembered | None:
        row = await self.driver.fetchrow(_FIND, {"message_id": message_id})
        return None if row is None else Remembered(row[0], bytes(row[1]), bytes(row[2]), row[3])

    async def keep(
        self, message_id: str, entry: Remembered, *, now: datetime, events: Sequence[Event] = ()
    ) -> bool:
        """Take the id with its reply, writing `events` to the outbox only if it was taken, in
        one statement. False: a twin holds the id (this waits if the twin is still in flight)."""
        params = _row(message_id, entry, now)
        if events:
            row = await self.driver.fetchrow(_KEEP_WITH_EVENTS, params | event_columns(events))
        else:
            row = await self.driver.fetchrow(_KEEP, params)
        return row is not None and row[0] > 0

    async def remember_if_new(self, message_id: str, entry: Remembered, *, now: datetime) -> bool:
        return await self.driver.execute(_INSERT_IF_NEW, _row(message_id, entry, now)) > 0

    async def prune(self, before: datetime, *, batch: int = 5000) -> int:
        """Forget ids handled before `before`, a batch at a time so no lock is held long."""
        return await self.driver.execute(_PRUNE, {"before": before, "batch": batch})
