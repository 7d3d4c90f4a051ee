"""`deployment.schedules.preview` (CONTRACT §8): the instants schedules fire at, computed and
shown, never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from deployq.messages.base import Command, Instant, Result
from deployq.messages.schedules import Schedule

MAX_PREVIEW = 1000
PreviewCount = Annotated[int, Field(ge=1, le=MAX_PREVIEW)]


class PreviewSchedules(Command):
    """A deployment's active schedules (paused or not), or one schedule not yet saved."""

    command = "deployment.schedules.preview"
    writes = False

    deployment_id: UUID | None = None
    schedule: Schedule | None = None
    start: Instant | None = None
    end: Instant | None = None
    n: PreviewCount = 10

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.deployment_id is None) == (self.schedule is None):
            raise ValueError("give exactly one of deployment_id or schedule")
        return self


class PreviewItem(Result):
    """`schedule_id` is null for a schedule previewed on its own; the time is shown in the
    schedule's zone (R11)."""

    schedule_id: UUID | None
    scheduled_time: datetime


class Preview(Result):
    items: list[PreviewItem]
