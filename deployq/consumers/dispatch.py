"""Run a decoded command through its handler with exactly-once effect (CONTRACT §6).

Reads run outside a transaction. A write runs its handler and records its reply in the inbox in
one transaction; a twin delivery (redelivery, client retry, duplicate publish) gets the stored
reply. Errors become reply bodies here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pydantic_core

from deployq.consumers.codec import Decoded
from deployq.errors import Conflict, DeployqError
from deployq.handlers import AT_ONCE, BOUNDED, HANDLERS
from deployq.handlers.bounds import DEFAULT_BOUNDS, Bounds
from deployq.handlers.receipts import Receipt
from deployq.messages.base import Command, Result
from deployq.storage.database import Database
from deployq.storage.inbox import Remembered
from deployq.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    ok: bool
    code: str | None = None
    message: str | None = None


def ok_answer(result: Result | Sequence[Result]) -> Answer:
    return Answer(b'{"ok":true,"result":' + pydantic_core.to_json(result) + b"}", ok=True)


def _reply_body(result: Result) -> bytes:
    return ok_answer(result).body


def error_answer(error: DeployqError) -> Answer:
    """The one mapping from a typed error to a reply (CONTRACT §3). Its `message`, which a dead
    letter carries as its reason, names each detail too: a letter has no `details`."""
    body: dict[str, Any] = {"code": error.code, "message": error.message, "details": error.details}
    reason = error.message
    if error.details:
        listed = "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc') or []) or '(body)'}: {d.get('msg')}"
            for d in error.details
        )
        reason = f"{reason} ({listed})"
    return Answer(orjson.dumps({"ok": False, "error": body}), False, error.code, reason)


def _from_inbox(stored: Remembered, decoded: Decoded) -> Answer:
    """The stored reply, unless the id was reused for a different command or body."""
    if stored.command != decoded.command.command or stored.body_hash != decoded.body_hash:
        return error_answer(
            Conflict(
                f"message_id {decoded.message_id!r} was already used for another command",
                [
                    {
                        "loc": ["message_id"],
                        "msg": "message_id reused with a different command or body",
                        "type": "message_id_reused",
                    }
                ],
            )
        )
    if stored.ok:
        return Answer(stored.reply, ok=True)
    error = orjson.loads(stored.reply)["error"]
    return Answer(stored.reply, False, error["code"], error["message"])


async def _handle(
    command: Command, uow: UnitOfWork, now: datetime, bounds: Bounds
) -> Result | Sequence[Result]:
    bounded = BOUNDED.get(type(command))
    if bounded is not None:
        return await bounded(command, uow, now=now, bounds=bounds)
    return await HANDLERS[type(command)](command, uow, now=now)


async def execute(
    decoded: Decoded,
    db: Database,
    clock: Callable[[], datetime],
    bounds: Bounds = DEFAULT_BOUNDS,
) -> Answer:
    command = decoded.command
    now = clock()
    if not command.writes:
        async with db.reading() as uow:
            try:
                return ok_answer(await _handle(command, uow, now, bounds))
            except DeployqError as error:
                return error_answer(error)
    return await _at_once(decoded, db, now) or await _write(decoded, db, now, bounds)


async def _at_once(decoded: Decoded, db: Database, now: datetime) -> Answer | None:
    """The command's one-statement path (AT_ONCE), if it has one and its case applies."""
    at_once = AT_ONCE.get(type(decoded.command))
    if at_once is None:
        return None
    receipt = Receipt(decoded.message_id or "", decoded.body_hash, encode=_reply_body)
    async with db.reading() as uow:  # one statement, atomic on its own
        reply = await at_once(decoded.command, uow, now=now, receipt=receipt)
    return None if reply is None else Answer(reply, ok=True)


async def _write(decoded: Decoded, db: Database, now: datetime, bounds: Bounds) -> Answer:
    """Run the handler, then take the message id with its reply and commit: one transaction."""
    command = decoded.command
    message_id = decoded.message_id or ""
    refused: Answer | None = None
    async with db.transaction() as uow:
        try:
            answer = ok_answer(await _handle(command, uow, now, bounds))
        except DeployqError as error:
            refused = error_answer(error)
        else:
            entry = Remembered(command.command, decoded.body_hash, answer.body, True)
            if await uow.commit_keeping(message_id, entry, now=now):
                return answer
            # A twin took the id first: its reply is the answer, this work rolls back.
    async with db.reading() as uow:  # one statement each: no transaction needed
        if refused is not None:
            # A rule refused the command: what the handler wrote is rolled back, the refusal kept.
            entry = Remembered(command.command, decoded.body_hash, refused.body, False)
            if await uow.inbox.remember_if_new(message_id, entry, now=now):
                return refused
        stored = await uow.inbox.find(message_id)
    return _from_inbox(_present(stored, message_id), decoded)


def _present(stored: Remembered | None, message_id: str) -> Remembered:
    if stored is None:  # pragma: no cover - pruned between the conflict and the read
        raise RuntimeError(f"inbox row for {message_id!r} vanished")
    return stored
