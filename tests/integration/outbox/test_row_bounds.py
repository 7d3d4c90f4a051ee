"""Outbox rows of bounded size: a transaction's events split into rows in order, and `pending`
taking the oldest unsent rows within its bounds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from deployq.messages import events
from deployq.storage.database import Database
from deployq.storage.inbox import Remembered
from deployq.storage.unit_of_work import OUTBOX_ROW_EVENTS
from tests.integration.outbox.commands import create, dispatch
from tests.integration.outbox.rows import last_seq, mark_all_sent, rows_after, synthetic, write_rows
from tests.integration.runs_support import interval
from tests.support import ok


@pytest.mark.parametrize("with_reply", [False, True], ids=["plain commit", "commit with reply"])
@pytest.mark.parametrize(
    "count", [1, OUTBOX_ROW_EVENTS, OUTBOX_ROW_EVENTS + 1, 2 * OUTBOX_ROW_EVENTS + 500]
)
async def test_a_transaction_s_events_are_split_into_rows_of_bounded_size_in_order(
    db: Database, now: datetime, count: int, with_reply: bool
) -> None:
    emitted = synthetic(count, now)
    message_id = uuid.uuid4().hex
    entry = Remembered("test.emit", b"\x00" * 32, b'{"ok":true,"result":{}}', True)
    mark = await last_seq(db)

    async with db.transaction() as uow:
        uow.emit(*emitted)
        if with_reply:
            assert await uow.commit_keeping(message_id, entry, now=now)
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


async def test_a_write_whose_id_a_twin_took_keeps_nothing(db: Database, now: datetime) -> None:
    """The twin's reply stays, and neither this transaction's events nor its reply are written."""
    message_id = uuid.uuid4().hex
    first = Remembered("test.emit", b"\x01" * 32, b'{"ok":true,"result":"first"}', True)
    second = Remembered("test.emit", b"\x01" * 32, b'{"ok":true,"result":"second"}', True)
    async with db.transaction() as uow:
        uow.emit(*synthetic(1, now))
        assert await uow.commit_keeping(message_id, first, now=now)
    mark = await last_seq(db)

    async with db.transaction() as uow:
        uow.emit(*synthetic(OUTBOX_ROW_EVENTS + 1, now))
        assert not await uow.commit_keeping(message_id, second, now=now)

    assert await rows_after(db, mark) == []
    async with db.reading() as uow:
        remembered = await uow.inbox.find(message_id)
    assert remembered == first


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
