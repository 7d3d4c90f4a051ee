"""The inbox (CONTRACT §6): the stored reply of every write command, keyed by message_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.storage.tables import inbox


@dataclass(frozen=True, slots=True)
class Remembered:
    command: str
    body_hash: bytes
    reply: bytes
    ok: bool


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
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def find(self, message_id: str) -> Remembered | None:
        statement = sa.select(inbox.c.command, inbox.c.body_hash, inbox.c.reply, inbox.c.ok).where(
            inbox.c.message_id == message_id
        )
        row = (await self.connection.execute(statement)).one_or_none()
        return None if row is None else Remembered(row[0], bytes(row[1]), bytes(row[2]), row[3])

    async def claim(
        self, message_id: str, command: str, body_hash: bytes, *, now: datetime
    ) -> bool:
        """Take the id for this transaction. False: a twin committed it first.

        A twin still in flight holds the row lock, so this waits for it to finish rather than
        letting both run the handler.
        """
        entry = Remembered(command, body_hash, b"", ok=False)
        statement = (
            insert(inbox)
            .values(_row(message_id, entry, now))
            .on_conflict_do_nothing(index_elements=[inbox.c.message_id])
        )
        return (await self.connection.execute(statement)).rowcount > 0

    async def record(self, message_id: str, reply: bytes, *, ok: bool) -> None:
        """Fill in the reply of a claimed id; it commits with the command's own changes."""
        statement = (
            sa.update(inbox).where(inbox.c.message_id == message_id).values(reply=reply, ok=ok)
        )
        await self.connection.execute(statement)

    async def remember_if_new(self, message_id: str, entry: Remembered, *, now: datetime) -> bool:
        statement = (
            insert(inbox)
            .values(_row(message_id, entry, now))
            .on_conflict_do_nothing(index_elements=[inbox.c.message_id])
        )
        return (await self.connection.execute(statement)).rowcount > 0

    async def prune(self, before: datetime, *, batch: int = 5000) -> int:
        """Forget ids handled before `before`, a batch at a time so no lock is held long."""
        victims = (
            sa.select(inbox.c.message_id).where(inbox.c.handled_at < before).limit(batch)
        ).scalar_subquery()
        statement = sa.delete(inbox).where(inbox.c.message_id.in_(victims))
        return (await self.connection.execute(statement)).rowcount
