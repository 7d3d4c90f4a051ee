"""A new deployment, its schedules, its command's inbox row and its event, in one statement.

`deployment.create` of a deployment that does not exist yet is the commonest write. Done as
claim, upsert, schedules, reply and COMMIT it costs five or six round trips; as one statement
(data-modifying CTEs, run outside an explicit transaction, so atomic on its own) it costs one.
Every part hangs on the deployment's insert: if the (flow, name) exists, or the flow does not,
nothing is written and the caller takes the general path. The inbox row has no ON CONFLICT: a
message id seen before makes the whole statement fail, and the general path answers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert

from deployq.messages.events import Event
from deployq.storage.driver import Compiled, Driver
from deployq.storage.outbox import event_columns
from deployq.storage.tables import deployment, deployment_schedule, flow, inbox, outbox

# Columns whose value is the table's default on a new row; every other one is given.
DEFAULTS: dict[str, Any] = {"status": "NOT_READY", "last_polled": None}
_DEPLOYMENT = list(deployment.c)
_SCHEDULE = list(deployment_schedule.c)


@dataclass(frozen=True, slots=True)
class InboxRow:
    """A command's remembered reply (CONTRACT §6), written with its effect."""

    message_id: str
    command: str
    body_hash: bytes
    reply: bytes
    handled_at: datetime


def _statement() -> Compiled:
    new = (
        insert(deployment)
        .from_select(
            [c.name for c in _DEPLOYMENT],
            sa.select(
                *(sa.bindparam(f"d_{c.name}", type_=c.type).label(c.name) for c in _DEPLOYMENT)
            ).where(
                sa.exists().where(flow.c.id == sa.bindparam("d_flow_id", type_=flow.c.id.type))
            ),
        )
        .on_conflict_do_nothing(index_elements=[deployment.c.flow_id, deployment.c.name])
        .returning(deployment.c.id)
        .cte("new")
    )
    gate = sa.select(new.c.id)
    schedules = sa.insert(deployment_schedule).from_select(
        [c.name for c in _SCHEDULE],
        sa.select(
            *(
                sa.func.unnest(sa.bindparam(f"s_{c.name}", type_=ARRAY(c.type))).label(c.name)
                for c in _SCHEDULE
            )
        ).where(sa.exists(gate)),
    )
    remembered = sa.insert(inbox).from_select(
        [c.name for c in inbox.c],
        sa.select(
            *(sa.bindparam(f"i_{c.name}", type_=c.type).label(c.name) for c in inbox.c)
        ).where(sa.exists(gate)),
    )
    announced = sa.insert(outbox).from_select(
        ["event_ids", "routing_keys", "types", "bodies"],
        sa.select(
            *(
                sa.bindparam(name, type_=outbox.c[name].type).label(name)
                for name in ("event_ids", "routing_keys", "types", "bodies")
            )
        ).where(sa.exists(gate)),
    )
    return Compiled.of(
        sa.select(sa.func.count())
        .select_from(new)
        .add_cte(schedules.cte("schedules"))
        .add_cte(remembered.cte("remembered"))
        .add_cte(announced.cte("announced"))
    )


_INSERT_NEW = _statement()


async def insert_new(
    driver: Driver,
    row: Mapping[str, Any],
    schedules: Sequence[Mapping[str, Any]],
    remember: InboxRow,
    events: Sequence[Event],
) -> bool:
    """Write all of it, or nothing; False when the deployment exists, the flow does not, or the
    message id was seen before (the caller then takes the general path)."""
    params: dict[str, Any] = {f"d_{c.name}": row[c.name] for c in _DEPLOYMENT}
    params |= {f"s_{c.name}": [s[c.name] for s in schedules] for c in _SCHEDULE}
    params |= {
        "i_message_id": remember.message_id,
        "i_command": remember.command,
        "i_body_hash": remember.body_hash,
        "i_reply": remember.reply,
        "i_ok": True,
        "i_handled_at": remember.handled_at,
    }
    params |= event_columns(events)
    try:
        found = await driver.fetchrow(_INSERT_NEW, params)
    except asyncpg.UniqueViolationError:
        return False  # the message id, or a schedule slug: the general path says which
    return bool(found and found[0])
