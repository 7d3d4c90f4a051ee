"""The events of the changes handlers make (CONTRACT §4); they reach the outbox only if the
change commits. Runs are announced where they are made, as they are inserted
(`scheduling/materialise.py`): the scheduler makes them with no handler above it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import pydantic_core

from deployq.handlers import convert, missing
from deployq.messages import events
from deployq.messages.deployments import Deployment
from deployq.messages.filters import DeploymentFilter, DeploymentFilters, DeploymentSort, Ids
from deployq.storage.unit_of_work import UnitOfWork


def runs_deleted(uow: UnitOfWork, rows: Iterable[Mapping[Any, Any]], *, now: datetime) -> None:
    uow.emit(
        *(
            events.flow_run_deleted(r["deployment_id"], r["id"], r["scheduled_time"], time=now)
            for r in rows
        )
    )


def deployment_changed(
    uow: UnitOfWork, type_: str, deployment: Deployment, *, now: datetime
) -> None:
    data = pydantic_core.to_json(deployment, exclude={"outcome"})
    uow.emit(events.deployment_changed(type_, deployment.id, data, time=now))


async def deployment_updated(uow: UnitOfWork, deployment_id: UUID, *, now: datetime) -> Deployment:
    """Read the deployment as this transaction left it, and announce it as updated."""
    row = await uow.deployments.get(deployment_id)
    if row is None:  # pragma: no cover - callers hold the row lock
        raise missing.deployment(deployment_id)
    deployment = convert.deployment(row)
    deployment_changed(uow, events.DEPLOYMENT_UPDATED, deployment, now=now)
    return deployment


def deployment_deleted(uow: UnitOfWork, deployment_id: UUID, *, now: datetime) -> None:
    data = pydantic_core.to_json({"id": deployment_id})
    uow.emit(events.deployment_changed(events.DEPLOYMENT_DELETED, deployment_id, data, time=now))


async def deployments_detached(
    uow: UnitOfWork, deployment_ids: list[UUID], *, now: datetime
) -> None:
    """Deployments whose queue was deleted changed: announce each like any other update."""
    if not deployment_ids:
        return
    only = DeploymentFilters(deployments=DeploymentFilter(id=Ids(any_=deployment_ids)))
    rows = await uow.deployments.list(only, DeploymentSort.NAME_ASC, 0, len(deployment_ids))
    for row in rows:
        deployment_changed(uow, events.DEPLOYMENT_UPDATED, convert.deployment(row), now=now)
