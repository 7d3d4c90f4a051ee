"""What the event tests share: a schedule that makes runs, a few writes that make events, and
the outbox as stored, to compare with what a subscriber received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from deployq.storage.database import Database
from tests.e2e.wire import Wire
from tests.support import ok, unique


def hourly(anchor: datetime) -> list[dict[str, Any]]:
    return [{"schedule": {"interval": 3600, "anchor_date": anchor.isoformat()}}]


async def some_writes(wire: Wire, namespace: str) -> str:
    """A few commands with events (a create, runs, an update); returns the deployment id.
    They make 8 events: created; 3 runs created; 3 runs deleted and updated."""
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    flow = ok(await wire.write("flow.create", {"name": unique("flow")}, namespace=namespace))
    body = {"flow_id": flow["id"], "name": unique("dep"), "schedules": hourly(soon)}
    dep: str = ok(await wire.write("deployment.create", body, namespace=namespace))["id"]
    runs = {"deployment_id": dep, "min_runs": 3, "max_runs": 3}
    ok(await wire.write("deployment.schedule_runs", runs, namespace=namespace))
    update = {"id": dep, "description": unique("d")}
    ok(await wire.write("deployment.update", update, namespace=namespace))
    return dep


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    id: str
    body: bytes
    sent: bool

    def concerns(self, deployment_id: str) -> bool:
        envelope = orjson.loads(self.body)
        if envelope["type"].startswith("deployq.flow_run."):
            return bool(envelope["data"]["deployment_id"] == deployment_id)
        return bool(envelope["subject"] == deployment_id)


async def outbox_events(db: Database) -> list[OutboxEvent]:
    """Every event in the outbox, in publication order."""
    statement = sa.text(
        "SELECT o.seq, e.id, e.body, o.sent_at IS NOT NULL AS sent "
        "FROM outbox o, unnest(o.event_ids, o.bodies) WITH ORDINALITY AS e(id, body, n) "
        "ORDER BY o.seq, e.n"
    )
    async with db.reading() as uow:
        found = await uow.connection.execute(statement)
        return [OutboxEvent(r.seq, str(r.id), bytes(r.body), r.sent) for r in found]


async def all_marked(db: Database) -> bool:
    """Whether every event in the outbox is marked sent."""
    return all(e.sent for e in await outbox_events(db))
