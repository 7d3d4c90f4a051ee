"""Two relays on one database (CONTRACT §4, §6): one leads at a time, each event is published
once, and when the leader stops the other takes over.

Every change of a relay's `leading` flag is recorded as it happens, so an overlap of two leaders
cannot slip between two samples. The test runs on a database and namespace of its own (see
test_relay_recovery.py for why).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import deployq.sidecars
from deployq.relay import Relay
from deployq.settings import Settings
from tests.databases import own_database
from tests.e2e.events import all_marked, outbox_events, some_writes
from tests.e2e.wire import Wire
from tests.subscriber import subscribed
from tests.support import wait_until
from tests.workers import running_worker

pytestmark = pytest.mark.slow


class Leadership:
    """The relays made in a test, and every change of their `leading` flags in order."""

    def __init__(self) -> None:
        self.relays: list[Relay] = []
        self.changes: list[tuple[int, bool]] = []

    def most_at_once(self) -> int:
        """The most relays that were leading at the same time."""
        leading: set[int] = set()
        most = 0
        for index, now_leading in self.changes:
            if now_leading:
                leading.add(index)
            else:
                leading.discard(index)
            most = max(most, len(leading))
        return most

    def leads(self, index: int) -> Callable[[], Awaitable[bool]]:
        async def leading() -> bool:
            return len(self.relays) > index and self.relays[index].leading.is_set()

        return leading


class RecordedFlag(asyncio.Event):
    """A relay's `leading` event that records each change in the `Leadership`."""

    def __init__(self, leadership: Leadership, index: int) -> None:
        super().__init__()
        self.leadership = leadership
        self.index = index

    def set(self) -> None:
        if not self.is_set():
            self.leadership.changes.append((self.index, True))
        super().set()

    def clear(self) -> None:
        if self.is_set():
            self.leadership.changes.append((self.index, False))
        super().clear()


async def test_two_relays_on_one_database_publish_each_event_once_one_leading_at_a_time(
    wire: Wire, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    leadership = Leadership()

    class Recorded(Relay):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self.leading = RecordedFlag(leadership, len(leadership.relays))
            leadership.relays.append(self)

    monkeypatch.setattr(deployq.sidecars, "Relay", Recorded)
    relays = leadership.relays
    namespace = f"{settings.namespace}-relays-{uuid.uuid4().hex[:6]}"
    try:
        async with (
            own_database(settings.database_url, "ev") as (url, db),
            subscribed(settings.amqp_url, namespace) as subscriber,
            contextlib.AsyncExitStack() as second,
            contextlib.AsyncExitStack() as first,
        ):
            own = settings.model_copy(update={"namespace": namespace, "database_url": url})
            await first.enter_async_context(running_worker(own))
            await wait_until(leadership.leads(0))
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
            await wait_until(leadership.leads(1))
            made += await asyncio.gather(*(some_writes(wire, namespace) for _ in range(2)))
            everything = await outbox_events(db)
            await subscriber.holds_ids(e.id for e in everything)
            await subscriber.stays(len(everything), window=0.5)
            await wait_until(lambda: all_marked(db), timeout=15)
    finally:
        await wire.delete_namespace(namespace)

    assert leadership.most_at_once() == 1
    assert (0, True) in leadership.changes
    assert (1, True) in leadership.changes
    assert len(everything) == len(made) * 8
    assert sorted(subscriber.ids()) == sorted(e.id for e in everything)
    for dep in made:  # in commit order per deployment
        assert [m.message_id for m in subscriber.about(dep)] == [
            e.id for e in everything if e.concerns(dep)
        ]
