"""Deployment commands and the Deployment result (R4, R50–R60)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from deployq.messages.base import (
    Actor,
    Command,
    IndexedText,
    Json,
    Labels,
    Limit,
    Offset,
    Page,
    PositiveCount,
    Timestamps,
    Wire,
)
from deployq.messages.filters import DeploymentFilters, DeploymentSort
from deployq.messages.flows import FlowName
from deployq.messages.schedules import DeploymentSchedule, ScheduleChange, ScheduleCreate

DeploymentName = IndexedText
PauseReason = Annotated[str, Field(max_length=500)]
ConcurrencyLimit = PositiveCount


class DeploymentFields(Wire):
    """The settable fields `deployment.create` and `deployment.update` share (R4)."""

    version: str | None = None
    description: str | None = None
    paused: bool = False
    tags: list[str] = []
    labels: Labels = {}
    parameters: Json = {}
    parameter_openapi_schema: Json | None = None
    enforce_parameter_schema: bool = True
    job_variables: Json = {}
    pull_steps: list[Json] | None = None
    path: str | None = None
    entrypoint: str | None = None
    # Indexed names: routing creates the pool's queue of this name when it is missing (R53).
    work_queue_name: IndexedText | None = None
    work_pool_name: IndexedText | None = None
    storage_document_id: UUID | None = None
    infrastructure_document_id: UUID | None = None
    concurrency_limit: ConcurrencyLimit | None = None
    global_concurrency_limit_id: UUID | None = None
    updated_by: Actor | None = None

    @model_validator(mode="after")
    def _one_limit(self) -> Self:
        """R50: a deployment's own limit and a global limit id exclude each other."""
        if self.concurrency_limit is not None and self.global_concurrency_limit_id is not None:
            raise ValueError("give concurrency_limit or global_concurrency_limit_id, not both")
        return self


class CreateDeployment(DeploymentFields, Command):
    """Upsert on (flow, name): R50–R52. Fields left out keep their stored values on update."""

    command = "deployment.create"
    writes = True

    name: DeploymentName
    flow_id: UUID | None = None
    flow_name: FlowName | None = None
    id: UUID | None = None
    created_by: Actor | None = None
    schedules: list[ScheduleCreate] = []

    @model_validator(mode="after")
    def _one_flow(self) -> Self:
        if (self.flow_id is None) == (self.flow_name is None):
            raise ValueError("give exactly one of flow_id or flow_name")
        return self


class ReadDeployment(Command):
    command = "deployment.read"
    writes = False

    id: UUID


class ReadDeploymentByName(Command):
    command = "deployment.read_by_name"
    writes = False

    flow_name: FlowName
    deployment_name: DeploymentName


class ListDeployments(DeploymentFilters, Command):
    command = "deployment.list"
    writes = False

    sort: DeploymentSort = DeploymentSort.NAME_ASC
    offset: Offset = 0
    limit: Limit = 200


class CountDeployments(DeploymentFilters, Command):
    command = "deployment.count"
    writes = False


class UpdateDeployment(DeploymentFields, Command):
    """R56–R58: only fields present change; null clears a nullable field."""

    command = "deployment.update"
    writes = True

    id: UUID
    schedules: list[ScheduleChange] | None = None


class PauseDeployment(Command):
    """R59, and CONTRACT §8's reason: kept while paused, replaced only by a reason given."""

    command = "deployment.pause"
    writes = True

    id: UUID
    reason: PauseReason | None = None


class ResumeDeployment(Command):
    command = "deployment.resume"
    writes = True

    id: UUID


class DeleteDeployment(Command):
    command = "deployment.delete"
    writes = True

    id: UUID


class Deployment(Timestamps):
    name: str
    flow_id: UUID
    version: str | None
    description: str | None
    paused: bool
    paused_at: datetime | None
    paused_reason: str | None
    status: Literal["READY", "NOT_READY"]
    tags: list[str]
    labels: Labels
    parameters: Json
    parameter_openapi_schema: Json | None
    enforce_parameter_schema: bool
    job_variables: Json
    pull_steps: list[Json] | None
    path: str | None
    entrypoint: str | None
    work_queue_name: str | None
    work_queue_id: UUID | None
    work_pool_name: str | None
    storage_document_id: UUID | None
    infrastructure_document_id: UUID | None
    concurrency_limit: int | None
    global_concurrency_limit_id: UUID | None
    created_by: Actor | None
    updated_by: Actor | None
    last_polled: datetime | None
    schedules: list[DeploymentSchedule]


class DeploymentUpserted(Deployment):
    """`deployment.create`'s result: the deployment, and whether the call created or updated it."""

    outcome: Literal["created", "updated"]


class Deployments(Page):
    items: list[Deployment]
