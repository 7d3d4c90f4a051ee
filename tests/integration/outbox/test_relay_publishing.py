"""How the relay reads, publishes and marks outbox rows on the real broker (CONTRACT §4): in seq
order, in bounded passes, and at least once with stable ids when a publish or a mark fails."""

from __future__ import annotations

import contextlib
from datetime import datetime

import aio_pika
import pytest
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from deployq.storage.database import Database
from deployq.storage.outbox import OutboxRepository
from tests.integration.outbox.broker import Broker, check_published
from tests.integration.outbox.commands import some_changes
from tests.integration.outbox.rows import (
    last_seq,
    mark_all_sent,
    sent_at,
    stored_events,
    write_rows,
)


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
    await broker.subscriber.stays(0, window=0.2)  # a relay that does not lead sends nothing

    published = await relay.publish_pending()

    assert published == len(expected)
    check_published(await broker.subscriber.received(len(expected)), expected)
    assert await sent_at(db, rows) == [now] * len(rows)
    assert await relay.publish_pending() == 0
    await broker.subscriber.stays(len(expected), window=0.5)


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
    await broker.subscriber.stays(2 * len(expected), window=0.5)
