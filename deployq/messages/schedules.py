"""Schedules on the wire (R5, R20, R30, R40) and the schedule commands (R61–R65).

A schedule arrives possibly incomplete (no anchor, no timezone) and is stored and returned
*resolved*, so reading one back and sending it again changes nothing (CONTRACT §2).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag, field_validator
from pydantic_core import PydanticCustomError

from deployq import occurrences
from deployq.messages.base import (
    MAX_SECONDS,
    UNION_TAG,
    Command,
    Instant,
    Json,
    PositiveCount,
    Result,
    Wire,
    number_of_seconds,
)


def _timezone(value: str | None) -> str | None:
    return None if value is None else occurrences.check_timezone(value)


Timezone = Annotated[str | None, AfterValidator(_timezone)]
Slug = Annotated[str, Field(min_length=1, max_length=200)]
MaxScheduledRuns = Annotated[int, Field(ge=1, le=50)]


class IntervalSchedule(Wire):
    interval: Annotated[float | int, BeforeValidator(number_of_seconds)]
    anchor_date: Instant | None = None
    timezone: Timezone = None

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        """Checked as a number first: a timedelta of -1e20 seconds cannot even be built."""
        if not value > 0:
            raise PydanticCustomError("greater_than", "interval must be positive")
        if value > MAX_SECONDS:
            raise PydanticCustomError(
                "less_than_equal", f"interval must be at most {MAX_SECONDS} seconds (100 years)"
            )
        if timedelta(seconds=value) <= timedelta(0):
            raise PydanticCustomError(
                "greater_than", "interval must be positive and at least 0.000001 seconds"
            )
        return value


class CronSchedule(Wire):
    cron: str
    timezone: Timezone = None
    day_or: bool = True

    @field_validator("cron")
    @classmethod
    def _parses(cls, value: str) -> str:
        return occurrences.check_cron(value)


class RRuleSchedule(Wire):
    rrule: str = Field(max_length=6500)
    timezone: Timezone = None

    @field_validator("rrule")
    @classmethod
    def _parses(cls, value: str) -> str:
        return occurrences.check_rrule(value)


def _schedule_kind(value: Any) -> str | None:
    """Which kind a schedule is, from the one key that names it; a schedule object is judged
    against that kind only, so its errors name its own fields and nothing else. None (the
    error below) when no key or several name a kind."""
    if isinstance(value, dict):
        named = [key for key in ("interval", "cron", "rrule") if key in value]
        return f"{UNION_TAG}{named[0]}" if len(named) == 1 else None
    kinds: dict[type, str] = {
        IntervalSchedule: "interval",
        CronSchedule: "cron",
        RRuleSchedule: "rrule",
    }
    kind = kinds.get(type(value))
    return None if kind is None else f"{UNION_TAG}{kind}"


Schedule = Annotated[
    Annotated[IntervalSchedule, Tag(f"{UNION_TAG}interval")]
    | Annotated[CronSchedule, Tag(f"{UNION_TAG}cron")]
    | Annotated[RRuleSchedule, Tag(f"{UNION_TAG}rrule")],
    Discriminator(
        _schedule_kind,
        custom_error_type="schedule_kind",
        custom_error_message="a schedule takes exactly one of the keys interval, cron or rrule",
    ),
]


class ScheduleCreate(Wire):
    """One schedule of a deployment, as sent in `deployment.create` or `.schedules.create`."""

    schedule: Schedule
    active: bool = True
    parameters: Json = {}
    slug: Slug | None = None
    max_scheduled_runs: MaxScheduledRuns | None = None
    max_active_runs: PositiveCount | None = None
    catchup: bool = False


class ScheduleChange(Wire):
    """A schedule inside `deployment.update`: matched by slug (R58) or created anew.

    Fields left out keep their stored values on a slug match; a schedule that is created
    needs `schedule`.
    """

    schedule: Schedule | None = None
    active: bool | None = None
    parameters: Json | None = None
    slug: Slug | None = None
    max_scheduled_runs: MaxScheduledRuns | None = None
    max_active_runs: PositiveCount | None = None
    catchup: bool | None = None


class CreateSchedules(Command):
    command = "deployment.schedules.create"
    writes = True

    deployment_id: UUID
    schedules: list[ScheduleCreate] = Field(min_length=1)


class ActiveFilter(Wire):
    eq_: bool | None = None


class ScheduleFilter(Wire):
    active: ActiveFilter | None = None


class ReadSchedules(Command):
    command = "deployment.schedules.read"
    writes = False

    deployment_id: UUID
    filter: ScheduleFilter | None = None


class UpdateSchedule(Command):
    """R63: fields given as null are left alone."""

    command = "deployment.schedules.update"
    writes = True

    deployment_id: UUID
    schedule_id: UUID
    schedule: Schedule | None = None
    active: bool | None = None
    parameters: Json | None = None
    slug: Slug | None = None
    max_scheduled_runs: MaxScheduledRuns | None = None
    max_active_runs: PositiveCount | None = None
    catchup: bool | None = None


class DeleteSchedule(Command):
    command = "deployment.schedules.delete"
    writes = True

    deployment_id: UUID
    schedule_id: UUID


class DeleteAllSchedules(Command):
    command = "deployment.schedules.delete_all"
    writes = True

    deployment_id: UUID


class ResolvedInterval(Result):
    interval: float | int
    anchor_date: datetime
    timezone: str


class ResolvedCron(Result):
    cron: str
    timezone: str
    day_or: bool


class ResolvedRRule(Result):
    rrule: str
    timezone: str


ResolvedSchedule = ResolvedInterval | ResolvedCron | ResolvedRRule


class DeploymentSchedule(Result):
    id: UUID
    created: datetime
    updated: datetime
    deployment_id: UUID
    schedule: ResolvedSchedule
    active: bool
    max_scheduled_runs: int | None
    max_active_runs: int | None
    catchup: bool
    parameters: Json
    slug: str | None


class ScheduleUpdated(Result):
    updated: bool


class SchedulesDeleted(Result):
    deleted: int
