"""Flows (R1): the named things deployments deploy."""

from __future__ import annotations

from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from deployq.messages.base import Command, Labels, Timestamps

FlowName = Annotated[str, Field(min_length=1, max_length=1000)]


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
