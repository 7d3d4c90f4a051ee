"""Flow commands (R1)."""

from __future__ import annotations

from datetime import datetime

from deployq.errors import NotFound
from deployq.handlers import convert
from deployq.messages.flows import CreateFlow, Flow, ReadFlow
from deployq.storage.unit_of_work import UnitOfWork


async def create_flow(command: CreateFlow, uow: UnitOfWork, *, now: datetime) -> Flow:
    changes = command.model_dump(include=command.model_fields_set - {"name"})
    return convert.flow(await uow.flows.upsert(command.name, changes, now=now))


async def read_flow(command: ReadFlow, uow: UnitOfWork, *, now: datetime) -> Flow:
    if command.id is not None:
        row = await uow.flows.get(command.id)
        missing = f"flow {command.id} does not exist"
    else:
        row = await uow.flows.get_by_name(command.name or "")
        missing = f"flow {command.name!r} does not exist"
    if row is None:
        raise NotFound(missing)
    return convert.flow(row)
