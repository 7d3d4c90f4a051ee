"""`deployment.create` in one statement for its commonest case (storage/new_deployments.py);
every other case takes the general path, `deployments.create_deployment`."""

from __future__ import annotations

from datetime import datetime

from uuid_utils.compat import uuid7

from deployq.handlers import announce, convert
from deployq.handlers.deployments import COLUMNS, columns, paused_since
from deployq.handlers.receipts import Receipt
from deployq.messages import events
from deployq.messages.deployments import CreateDeployment
from deployq.storage import new_deployments
from deployq.storage.unit_of_work import UnitOfWork


async def create_new_deployment(
    command: CreateDeployment, uow: UnitOfWork, *, now: datetime, receipt: Receipt
) -> bytes | None:
    """`create_deployment` in one statement, for its commonest case: a deployment that does not
    exist yet, of a flow given by id, on no named pool or queue. Its reply and event are made
    before the statement (everything in them is known), and written with it. Returns the reply
    it stored, or None when the case does not apply: the caller then runs the general path,
    which answers every other case (an existing deployment, an unknown flow, a message id seen
    before) exactly as before."""
    if (
        command.flow_id is None
        or command.work_queue_name
        or "work_pool_name" in command.model_fields_set
    ):
        return None
    if len({s.slug for s in command.schedules if s.slug}) < sum(
        1 for s in command.schedules if s.slug
    ):
        return None  # duplicate slugs: the general path refuses them
    row = {
        **new_deployments.DEFAULTS,
        **columns(command, COLUMNS),
        **paused_since(command, now),
        "paused_reason": None,
        "id": command.id or uuid7(),
        "name": command.name,
        "flow_id": command.flow_id,
        "work_queue_id": None,
        "created": now,
        "updated": now,
    }
    schedules = [
        {
            **convert.schedule_values(s, now=now),
            "id": uuid7(),
            "deployment_id": row["id"],
            "created": now,
            "updated": now,
        }
        for s in command.schedules
    ]
    result = convert.upserted({**row, "inserted": True}, schedules, work_pool_name=None)
    announce.deployment_changed(uow, events.DEPLOYMENT_CREATED, result, now=now)
    reply = receipt.encode(result)
    remember = new_deployments.InboxRow(
        receipt.message_id, command.command, receipt.body_hash, reply, now
    )
    written = await uow.deployments.insert_new(row, schedules, remember, uow.events)
    uow.events = []
    return reply if written else None
