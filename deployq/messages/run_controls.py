"""Operators' controls over a deployment's runs (CONTRACT §8): backfilling a range of a
schedule's occurrences, and dropping the runs an outage left late."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from deployq.messages.base import Command, FilterList, Instant, Result, Seconds


class Backfill(Command):
    """Every occurrence with start ≤ t ≤ end of the deployment's active schedules, or of
    exactly the schedules listed (active or not)."""

    command = "deployment.backfill"
    writes = True

    deployment_id: UUID
    start: Instant
    end: Instant
    schedule_ids: FilterList[UUID] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start > self.end:
            raise PydanticCustomError("range_reversed", "start must not be after end")
        return self


class Backfilled(Result):
    """`run_ids`: the runs this backfill created, in time order; `existing`: occurrences that
    already had a run (the scheduler's, or an earlier backfill's), left as they were."""

    backfill_id: UUID
    run_ids: list[UUID]
    existing: int


class DropLateRuns(Command):
    """Delete the deployment's deletable-scheduled runs (R7, auto-scheduled or not) expected
    to start before now − `late_after` seconds; `keep_latest` keeps the latest of them."""

    command = "deployment.drop_late_runs"
    writes = True

    deployment_id: UUID
    late_after: Seconds = 0
    keep_latest: bool = False


class RunsDropped(Result):
    deleted: int
