"""The leader's housekeeping while idle: forget published rows older than the retention, and
report how many events wait to be published (the `events_pending` gauge)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from deployq.clock import Clock
from deployq.metrics import Metrics
from deployq.storage.database import Database

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(minutes=1)


class Purge:
    def __init__(
        self, *, db: Database, clock: Clock, metrics: Metrics, retention: timedelta
    ) -> None:
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self.retention = retention
        self._purged_at: datetime | None = None

    async def if_due(self) -> None:
        """Purge and measure, at most every PURGE_EVERY."""
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        async with self.db.transaction() as uow:
            purged = await uow.outbox.purge(now - self.retention)
            pending = await uow.outbox.unsent()
            await uow.commit()
        self.metrics.events_pending.set(pending)
        if purged:
            log.info("purged %d published outbox row(s)", purged)
