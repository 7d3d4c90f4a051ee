"""What the deployment command tests share: schedules as the wire carries them, the handlers run
in their own transactions, and a deployment's fields in their wire form."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from deployq.handlers.deployments import read_deployment, update_deployment
from deployq.messages.deployments import Deployment, ReadDeployment, UpdateDeployment
from deployq.messages.schedules import DeploymentSchedule, ResolvedInterval
from deployq.storage.database import Database
from tests.integration.builders import read, write

ALICE = {"id": str(uuid4()), "type": "USER", "display_value": "alice"}
BOB = {"id": str(uuid4()), "type": "USER", "display_value": "bob"}


def every(seconds: int, *, slug: str | None = None, **fields: Any) -> dict[str, Any]:
    """A schedule as `schedules` carries it on the wire."""
    return {"schedule": {"interval": seconds}, "slug": slug, **fields}


async def reread(db: Database, deployment_id: UUID, now: datetime) -> Deployment:
    return await read(db, read_deployment, ReadDeployment(id=deployment_id), now=now)


async def update(db: Database, now: datetime, **body: Any) -> Deployment:
    return await write(db, update_deployment, UpdateDeployment.model_validate(body), now=now)


def by_slug(schedules: list[DeploymentSchedule]) -> dict[str | None, DeploymentSchedule]:
    return {s.slug: s for s in schedules}


def interval_of(schedule: DeploymentSchedule) -> float:
    assert isinstance(schedule.schedule, ResolvedInterval)
    return schedule.schedule.interval


def without_outcome(result: Deployment) -> dict[str, Any]:
    return result.model_dump(exclude={"outcome"})


# Fields a deployment.create may carry, with non-default values, for "kept / cleared" checks.
RICH_FIELDS: dict[str, Any] = {
    "version": "1.0",
    "description": "the first one",
    "paused": True,
    "tags": ["a", "b"],
    "labels": {"team": "data", "tier": 2},
    "parameters": {"x": 1, "nested": {"y": [1, 2]}},
    "parameter_openapi_schema": {"type": "object"},
    "enforce_parameter_schema": False,
    "job_variables": {"image": "python:3.12"},
    "pull_steps": [{"git_clone": {"repository": "r"}}],
    "path": "/srv/flows",
    "entrypoint": "flows.py:main",
    "work_queue_name": "queue-a",
    "storage_document_id": str(uuid4()),
    "infrastructure_document_id": str(uuid4()),
    "concurrency_limit": 3,
    "created_by": ALICE,
    "updated_by": ALICE,
}
NULLABLE = (
    "version",
    "description",
    "parameter_openapi_schema",
    "pull_steps",
    "path",
    "entrypoint",
    "work_queue_name",
    "storage_document_id",
    "infrastructure_document_id",
    "concurrency_limit",
    "updated_by",
)
NOT_NULLABLE = (
    "paused",
    "tags",
    "labels",
    "parameters",
    "enforce_parameter_schema",
    "job_variables",
)


def stored_fields(result: Deployment) -> dict[str, Any]:
    """The RICH_FIELDS of a deployment, in their wire form."""
    dumped = result.model_dump(mode="json", include=set(RICH_FIELDS))
    assert isinstance(dumped, dict)
    return dumped
