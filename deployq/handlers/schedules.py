"""Schedule commands (R61–R65) and the schedule replacement inside `deployment.update` (R58)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from deployq.errors import Conflict, ValidationFailed
from deployq.handlers import announce, convert, missing
from deployq.handlers.runs import delete_scheduled_runs
from deployq.messages.base import Deleted
from deployq.messages.schedules import (
    CreateSchedules,
    DeleteAllSchedules,
    DeleteSchedule,
    DeploymentSchedule,
    ReadSchedules,
    ScheduleChange,
    ScheduleCreate,
    SchedulesDeleted,
    ScheduleUpdated,
    UpdateSchedule,
)
from deployq.scheduling import document
from deployq.storage.unit_of_work import UnitOfWork


def refuse_duplicate_slugs(slugs: Iterable[str | None]) -> None:
    """Slugs are unique per deployment (R5); catching it here names the slug in the error."""
    twice = [slug for slug, n in Counter(s for s in slugs if s).items() if n > 1]
    if twice:
        raise Conflict(f"schedule slug {twice[0]!r} is given twice")


def _change_values(given: ScheduleChange, *, now: datetime) -> dict[str, Any]:
    """Columns a slug-matched schedule takes from the request: the fields it carried, except
    nulls, which leave the stored value alone (as R63 does for schedule updates)."""
    values = given.model_dump(
        include=given.model_fields_set & set(convert.SCHEDULE_FIELDS), exclude_none=True
    )
    if given.schedule is not None:
        values["schedule"] = document.resolve(given.schedule, now=now)
    return values


def _as_new(given: ScheduleChange, index: int) -> ScheduleCreate:
    if given.schedule is None:
        raise ValidationFailed(
            "a schedule that is created needs `schedule`",
            [{"loc": ["schedules", index, "schedule"], "msg": "Field required", "type": "missing"}],
        )
    fields = given.model_dump(include=given.model_fields_set - {"schedule"}, exclude_none=True)
    return ScheduleCreate(schedule=given.schedule, **fields)


async def replace_schedules(
    uow: UnitOfWork, deployment_id: UUID, given: list[ScheduleChange], *, now: datetime
) -> None:
    """R58: replace all, or match by slug when every stored and every given schedule has one."""
    refuse_duplicate_slugs(g.slug for g in given)
    stored = await uow.schedules.for_deployment(deployment_id)
    slugged = bool(stored) and all(s["slug"] for s in stored)
    if slugged and given:
        if not all(g.slug for g in given):
            raise ValidationFailed(
                "every stored schedule has a slug, so every given schedule needs one",
                [
                    {"loc": ["schedules", i, "slug"], "msg": "Field required", "type": "missing"}
                    for i, g in enumerate(given)
                    if not g.slug
                ],
            )
        by_slug = {s["slug"]: s["id"] for s in stored}
        new = []
        for index, change in enumerate(given):
            if change.slug in by_slug:
                values = _change_values(change, now=now)
                await uow.schedules.update(deployment_id, by_slug[change.slug], values, now=now)
            else:
                new.append(_as_new(change, index))
        await uow.schedules.add(
            deployment_id, [convert.schedule_values(s, now=now) for s in new], now=now
        )
        return
    creates = [_as_new(change, index) for index, change in enumerate(given)]
    await uow.schedules.delete_all(deployment_id)
    await uow.schedules.add(
        deployment_id, [convert.schedule_values(s, now=now) for s in creates], now=now
    )


async def _touch(uow: UnitOfWork, deployment_id: UUID, *, now: datetime) -> None:
    """A schedule change is a change of its deployment: lock the row (the scheduler's lock,
    R74) and touch `updated`, so the recent loop refills it within seconds (R73)."""
    if await uow.deployments.update(deployment_id, {}, now=now) is None:
        raise missing.deployment(deployment_id)


async def create_deployment_schedules(
    command: CreateSchedules, uow: UnitOfWork, *, now: datetime
) -> list[DeploymentSchedule]:
    """R61: adds schedules; deletes no runs. A slug already taken is a conflict."""
    refuse_duplicate_slugs(s.slug for s in command.schedules)
    await _touch(uow, command.deployment_id, now=now)
    rows = await uow.schedules.add(
        command.deployment_id,
        [convert.schedule_values(s, now=now) for s in command.schedules],
        now=now,
    )
    await announce.deployment_updated(uow, command.deployment_id, now=now)
    return [convert.schedule(r) for r in rows]


async def read_deployment_schedules(
    command: ReadSchedules, uow: UnitOfWork, *, now: datetime
) -> list[DeploymentSchedule]:
    """R62: most recently updated first."""
    if not await uow.deployments.exists(command.deployment_id):
        raise missing.deployment(command.deployment_id)
    active = command.filter.active.eq_ if command.filter and command.filter.active else None
    rows = await uow.schedules.for_deployment(command.deployment_id, active=active)
    return [convert.schedule(r) for r in rows]


async def update_deployment_schedule(
    command: UpdateSchedule, uow: UnitOfWork, *, now: datetime
) -> ScheduleUpdated:
    """R63: fields given as null are left alone; future auto runs of the deployment go."""
    await _touch(uow, command.deployment_id, now=now)
    values = command.model_dump(include=set(convert.SCHEDULE_FIELDS), exclude_none=True)
    if command.schedule is not None:
        values["schedule"] = document.resolve(command.schedule, now=now)
    row = await uow.schedules.update(command.deployment_id, command.schedule_id, values, now=now)
    if row is None:
        raise missing.schedule(command.deployment_id, command.schedule_id)
    await delete_scheduled_runs(
        uow, command.deployment_id, auto_only=True, future_only=True, now=now
    )
    await announce.deployment_updated(uow, command.deployment_id, now=now)
    return ScheduleUpdated(updated=True)


async def delete_deployment_schedule(
    command: DeleteSchedule, uow: UnitOfWork, *, now: datetime
) -> Deleted:
    """R64: the deployment's auto-scheduled runs go (past ones too); the scheduler refills."""
    await _touch(uow, command.deployment_id, now=now)
    if not await uow.schedules.delete(command.deployment_id, command.schedule_id):
        raise missing.schedule(command.deployment_id, command.schedule_id)
    await delete_scheduled_runs(
        uow, command.deployment_id, auto_only=True, future_only=False, now=now
    )
    await announce.deployment_updated(uow, command.deployment_id, now=now)
    return Deleted(deleted=True)


async def delete_deployment_schedules(
    command: DeleteAllSchedules, uow: UnitOfWork, *, now: datetime
) -> SchedulesDeleted:
    """R65: also drops auto-scheduled runs, so none dangle from schedules that are gone."""
    await _touch(uow, command.deployment_id, now=now)
    removed = await uow.schedules.delete_all(command.deployment_id)
    await delete_scheduled_runs(
        uow, command.deployment_id, auto_only=True, future_only=False, now=now
    )
    await announce.deployment_updated(uow, command.deployment_id, now=now)
    return SchedulesDeleted(deleted=removed)
