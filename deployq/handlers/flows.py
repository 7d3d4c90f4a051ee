"""Flow commands (R1)."""

from __future__ import annotations

from datetime import datetime

from deployq.handlers import convert, missing
from deployq.messages.flows import CreateFlow, Flow, ReadFlow
from deployq.storage.unit_of_work import UnitOfWork


async def create_flow(command: CreateFlow, uow: UnitOfWork, *, now: datetime) -> Flow:
    changes = command.model_dump(include=command.model_fields_set - {"name"})
    return convert.flow(await uow.flows.upsert(command.name, changes, now=now))


async def read_flow(command: ReadFlow, uow: UnitOfWork, *, now: datetime) -> Flow:
    if command.id is not None:
        row = await uow.flows.get(command.id)
    else:
        row = await uow.flows.get_by_name(command.name or "")
    if row is None:
        raise missing.flow(command.id if command.id is not None else command.name)
    return convert.flow(row)
