"""Deployment commands (R50–R60): plain async functions over a unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from deployq.errors import NotFound
from deployq.handlers import announce, convert, missing, routing
from deployq.handlers.runs import delete_scheduled_runs
from deployq.handlers.schedules import (
    refuse_duplicate_slugs,
    replace_schedules,
)
from deployq.messages import events
from deployq.messages.base import Counted, Deleted
from deployq.messages.deployments import (
    CountDeployments,
    CreateDeployment,
    DeleteDeployment,
    Deployment,
    Deployments,
    DeploymentUpserted,
    ListDeployments,
    PauseDeployment,
    ReadDeployment,
    ReadDeploymentByName,
    ResumeDeployment,
    UpdateDeployment,
)
from deployq.storage.deployment_updates import Dropping
from deployq.storage.unit_of_work import UnitOfWork

# Command fields stored as deployment columns of the same name.
COLUMNS = frozenset(
    {
        "version", "description", "paused", "tags", "labels", "parameters",
        "parameter_openapi_schema", "enforce_parameter_schema", "job_variables", "pull_steps",
        "path", "entrypoint", "work_queue_name", "storage_document_id",
        "infrastructure_document_id", "concurrency_limit", "global_concurrency_limit_id",
        "created_by", "updated_by",
    }
)  # fmt: skip
# Kept from the first creation when an upsert updates in place (R51).
KEPT_ON_UPSERT = frozenset({"created_by"})


def columns(command: CreateDeployment | UpdateDeployment, names: Iterable[str]) -> dict[str, Any]:
    return command.model_dump(include=set(names) & COLUMNS)


def paused_since(command: CreateDeployment, now: datetime) -> dict[str, Any]:
    """A new deployment created paused was paused now (CONTRACT §8); an upsert in place
    applies the pause rules to the stored row instead (`storage.pausing`)."""
    return {"paused_at": now if command.paused else None}


async def create_deployment(
    command: CreateDeployment, uow: UnitOfWork, *, now: datetime
) -> DeploymentUpserted:
    """Upsert on (flow, name), then drop future auto runs and replace the schedules (R50–R52)."""
    refuse_duplicate_slugs(s.slug for s in command.schedules)
    values = columns(command, COLUMNS) | paused_since(command, now)
    if command.id is not None:
        values["id"] = command.id
    carried = (command.model_fields_set & COLUMNS) - KEPT_ON_UPSERT
    changes = {name: values[name] for name in carried}  # one dump serves both
    route = await routing.resolve_work_queue(uow, command, now=now)
    if route is not None:  # R53; on the update path only when the request named a pool/queue
        values["work_queue_id"] = changes["work_queue_id"] = route.work_queue_id
    row = await uow.deployments.upsert(
        flow_id=command.flow_id,
        flow_name=command.flow_name,
        name=command.name,
        values=values,
        changes=changes,
        now=now,
    )
    if row is None:
        raise missing.flow(command.flow_id if command.flow_id is not None else command.flow_name)
    deployment_id = row["id"]
    if not row["inserted"]:
        await delete_scheduled_runs(uow, deployment_id, auto_only=True, future_only=True, now=now)
        await uow.schedules.delete_all(deployment_id)
    schedules = await uow.schedules.add(
        deployment_id, [convert.schedule_values(s, now=now) for s in command.schedules], now=now
    )
    pool_name = await routing.work_pool_name(uow, row, route)
    result = convert.upserted(row, schedules, work_pool_name=pool_name)
    kind = events.DEPLOYMENT_CREATED if row["inserted"] else events.DEPLOYMENT_UPDATED
    announce.deployment_changed(uow, kind, result, now=now)
    return result


async def read_deployment(command: ReadDeployment, uow: UnitOfWork, *, now: datetime) -> Deployment:
    row = await uow.deployments.get(command.id)
    if row is None:
        raise missing.deployment(command.id)
    return convert.deployment(row)


async def read_deployment_by_name(
    command: ReadDeploymentByName, uow: UnitOfWork, *, now: datetime
) -> Deployment:
    row = await uow.deployments.get_by_name(command.flow_name, command.deployment_name)
    if row is None:
        raise NotFound(
            f"flow {command.flow_name!r} has no deployment named {command.deployment_name!r}"
        )
    return convert.deployment(row)


async def read_deployments(
    command: ListDeployments, uow: UnitOfWork, *, now: datetime
) -> Deployments:
    rows = await uow.deployments.list(command, command.sort, command.offset, command.limit)
    return Deployments(
        items=[convert.deployment(r) for r in rows], offset=command.offset, limit=command.limit
    )


async def count_deployments(
    command: CountDeployments, uow: UnitOfWork, *, now: datetime
) -> Counted:
    return Counted(count=await uow.deployments.count(command))


async def update_deployment(
    command: UpdateDeployment, uow: UnitOfWork, *, now: datetime
) -> Deployment:
    """Exclude-unset update (R56); drops future auto runs even when nothing changed (R57)."""
    changes = columns(command, command.model_fields_set)
    route = await routing.resolve_work_queue(uow, command, now=now)
    if route is not None:  # R53, and R56's `work_pool_name: null`
        changes["work_queue_id"] = route.work_queue_id
    if command.schedules is None:  # the whole change in one statement
        return await _changed(uow, command.id, changes, FUTURE_AUTO_RUNS, now=now)
    if await uow.deployments.update(command.id, changes, now=now) is None:
        raise missing.deployment(command.id)
    await delete_scheduled_runs(uow, command.id, auto_only=True, future_only=True, now=now)
    await replace_schedules(uow, command.id, command.schedules, now=now)
    return await announce.deployment_updated(uow, command.id, now=now)


async def pause_deployment(
    command: PauseDeployment, uow: UnitOfWork, *, now: datetime
) -> Deployment:
    """R59: past and future auto-scheduled runs go; pausing twice is harmless, and keeps
    `paused_at` (CONTRACT §8: a reason given replaces the stored one)."""
    changes: dict[str, Any] = {"paused": True}
    if command.reason is not None:
        changes["paused_reason"] = command.reason
    return await _changed(uow, command.id, changes, AUTO_RUNS, now=now)


async def resume_deployment(
    command: ResumeDeployment, uow: UnitOfWork, *, now: datetime
) -> Deployment:
    """R59: touching `updated` lets the scheduler's recent loop refill it at once."""
    return await _changed(uow, command.id, {"paused": False}, None, now=now)


# Which runs go with a change (R7): R57's future auto runs on update, every auto run on pause.
FUTURE_AUTO_RUNS = Dropping(auto_only=True, future_only=True)
AUTO_RUNS = Dropping(auto_only=True, future_only=False)


async def _changed(
    uow: UnitOfWork,
    deployment_id: UUID,
    changes: dict[str, Any],
    dropping: Dropping | None,
    *,
    now: datetime,
) -> Deployment:
    """Apply `changes`, drop the runs they call for, and announce both (one statement)."""
    updated = await uow.deployments.change(deployment_id, changes, dropping=dropping, now=now)
    if updated is None:
        raise missing.deployment(deployment_id)
    announce.runs_deleted(uow, updated.dropped, now=now)
    deployment = convert.deployment(updated.row)
    announce.deployment_changed(uow, events.DEPLOYMENT_UPDATED, deployment, now=now)
    return deployment


async def delete_deployment(
    command: DeleteDeployment, uow: UnitOfWork, *, now: datetime
) -> Deleted:
    """R60: every deletable-scheduled run goes first; runs in other states stay."""
    # Lock first, as the scheduler does: no pass can add runs between these two deletes.
    if await uow.scheduling.lock(command.id) is None:
        raise missing.deployment(command.id)
    await delete_scheduled_runs(uow, command.id, auto_only=False, future_only=False, now=now)
    await uow.deployments.delete(command.id)
    announce.deployment_deleted(uow, command.id, now=now)
    return Deleted(deleted=True)
