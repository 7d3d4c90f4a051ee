"""`flow_run.create` and `flow_run.delete` (CONTRACT §8): runs people make and remove."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from deployq.handlers import announce, convert, missing
from deployq.handlers.parameter_schema import check_parameters
from deployq.messages.base import Deleted
from deployq.messages.runs import CreateFlowRun, DeleteFlowRun, FlowRun
from deployq.scheduling.controls import manual_run
from deployq.scheduling.materialise import insert_runs
from deployq.storage.unit_of_work import UnitOfWork


async def create_flow_run(command: CreateFlowRun, uow: UnitOfWork, *, now: datetime) -> FlowRun:
    """A manual run: paused deployments accept it; a flow's run with the same idempotency key
    is returned unchanged, and nothing is created or announced (Prefect's rule)."""
    deployment = await uow.scheduling.lock_for_run(command.deployment_id)
    if deployment is None:
        raise missing.deployment(command.deployment_id)
    key = command.idempotency_key
    if key is not None:
        existing = await uow.runs.get_by_key(deployment["flow_id"], key)
        if existing is not None:
            return convert.flow_run(existing)
    run = manual_run(
        deployment,
        parameters=command.parameters,
        tags=command.tags,
        name=command.name,
        at=command.scheduled_time or now,
        key=key,
    )
    schema = deployment["parameter_openapi_schema"]
    if deployment["enforce_parameter_schema"] and schema is not None:
        check_parameters(schema, run.source.parameters)
    created = await insert_runs(uow, [run], now=now, batch_size=1)
    if not created and key is not None:
        # Another flow_run.create (or a run of another deployment of the flow) took the key
        # after the look-up above; its run is the answer.
        existing = await uow.runs.get_by_key(deployment["flow_id"], key)
        if existing is not None:
            return convert.flow_run(existing)
    return await _read(uow, UUID(run.id))


async def _read(uow: UnitOfWork, run_id: UUID) -> FlowRun:
    row = await uow.runs.get(run_id)
    if row is None:  # pragma: no cover - inserted in this transaction
        raise missing.flow_run(run_id)
    return convert.flow_run(row)


async def delete_flow_run(command: DeleteFlowRun, uow: UnitOfWork, *, now: datetime) -> Deleted:
    """Any state; announced as `flow_run.deleted`. The deployment's row lock is taken first,
    as every change that announces a deployment's runs does, so its events keep commit order."""
    found = await uow.runs.deployment_of(command.id)
    if found is None:
        raise missing.flow_run(command.id)
    (deployment_id,) = found
    if deployment_id is not None:
        await uow.scheduling.lock(deployment_id)
    gone = await uow.runs.delete(command.id)
    if gone is None:  # deleted by a concurrent command while we waited for the lock
        raise missing.flow_run(command.id)
    announce.runs_deleted(uow, [gone], now=now)
    return Deleted(deleted=True)
