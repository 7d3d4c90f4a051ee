"""`system.ping`."""

from __future__ import annotations

from datetime import datetime

from deployq import __version__
from deployq.messages.system import Ping, Pong
from deployq.storage.unit_of_work import UnitOfWork


async def ping(command: Ping, uow: UnitOfWork, *, now: datetime) -> Pong:
    """Answers through the database, so a pong also says the worker can reach it."""
    return Pong(version=__version__, schema_revision=await uow.system.schema_revision())
