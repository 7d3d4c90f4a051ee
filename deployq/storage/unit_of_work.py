"""The unit of work: one connection, one transaction, and the repositories that use it."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.events import Event
from deployq.storage.deployments import DeploymentRepository
from deployq.storage.driver import Driver
from deployq.storage.flows import FlowRepository
from deployq.storage.inbox import InboxRepository, Remembered
from deployq.storage.outbox import OutboxRepository
from deployq.storage.runs import RunRepository
from deployq.storage.schedules import ScheduleRepository
from deployq.storage.scheduling import SchedulingRepository
from deployq.storage.system import SystemRepository
from deployq.storage.work_pools import WorkPoolRepository
from deployq.storage.work_queues import WorkQueueRepository

OUTBOX_ROW_EVENTS = 1000


class UnitOfWork:
    """Repositories share the connection, so whatever they write commits or rolls back together."""

    def __init__(
        self,
        connection: AsyncConnection,
        driver: Driver,
        *,
        transactional: bool = False,
    ) -> None:
        self.connection = connection
        self.driver = driver
        self.transactional = transactional
        self.committed = False
        self.events: list[Event] = []

    def emit(self, *events: Event) -> None:
        """Announce events; they are written to the outbox by `commit`, so they exist only if
        the change that caused them commits."""
        self.events.extend(events)

    @cached_property
    def flows(self) -> FlowRepository:
        return FlowRepository(self.connection)

    @cached_property
    def deployments(self) -> DeploymentRepository:
        return DeploymentRepository(self.connection, self.driver)

    @cached_property
    def schedules(self) -> ScheduleRepository:
        return ScheduleRepository(self.connection, self.driver)

    @cached_property
    def runs(self) -> RunRepository:
        return RunRepository(self.connection, self.driver)

    @cached_property
    def scheduling(self) -> SchedulingRepository:
        return SchedulingRepository(self.connection)

    @cached_property
    def work_pools(self) -> WorkPoolRepository:
        return WorkPoolRepository(self.connection)

    @cached_property
    def work_queues(self) -> WorkQueueRepository:
        return WorkQueueRepository(self.connection)

    @cached_property
    def inbox(self) -> InboxRepository:
        return InboxRepository(self.driver)

    @cached_property
    def system(self) -> SystemRepository:
        return SystemRepository(self.connection)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.connection, self.driver)

    async def commit_keeping(self, message_id: str, entry: Remembered, *, now: datetime) -> bool:
        """Take the command's id with its reply and events and commit, if no twin holds the id;
        False (nothing committed): a twin took it first, and this transaction must roll back.

        Taking the id at the end rather than the start saves a round trip on every write; a
        twin delivery running meanwhile does its work too, then waits here for the first to
        finish and rolls back, so exactly one of them takes effect (CONTRACT §6)."""
        rows = self._outbox_rows()
        if not await self.inbox.keep(
            message_id, entry, now=now, events=rows.pop(0) if rows else ()
        ):
            return False
        for row in rows:
            await self.outbox.add(row)
        await self.driver.connection.execute("COMMIT")
        self.committed = True
        return True

    def _outbox_rows(self) -> list[list[Event]]:
        rows = [
            self.events[start : start + OUTBOX_ROW_EVENTS]
            for start in range(0, len(self.events), OUTBOX_ROW_EVENTS)
        ]
        self.events = []
        return rows

    async def commit(self) -> None:
        """Write the pending events to the outbox and commit (work without a command's id)."""
        for row in self._outbox_rows():
            await self.outbox.add(row)
        if self.transactional:
            await self.driver.connection.execute("COMMIT")
            self.committed = True
