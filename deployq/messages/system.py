"""`system.ping`: is the worker alive, and which schema does it run on."""

from __future__ import annotations

from deployq.messages.base import Command, Result


class Ping(Command):
    command = "system.ping"
    writes = False


class Pong(Result):
    version: str
    schema_revision: str | None
