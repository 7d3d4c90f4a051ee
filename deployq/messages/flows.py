"""Flows (R1): the named things deployments deploy."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import model_validator

from deployq.messages.base import Command, Labels, Name, Timestamps

FlowName = Name


class CreateFlow(Command):
    """Upsert by name: an existing flow keeps its id; tags and labels given replace the old ones."""

    command = "flow.create"
    writes = True

    name: FlowName
    tags: list[str] = []
    labels: Labels = {}


class ReadFlow(Command):
    command = "flow.read"
    writes = False

    id: UUID | None = None
    name: FlowName | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.id is None) == (self.name is None):
            raise ValueError("give exactly one of id or name")
        return self


class Flow(Timestamps):
    name: str
    tags: list[str]
    labels: Labels
