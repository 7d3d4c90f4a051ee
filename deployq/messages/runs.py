"""Flow-run commands and the FlowRun result (R6, R66–R69; CONTRACT §2).

deployq creates scheduled runs and lets upstream services read them; what happens to a run after
it is scheduled belongs to the runtime: besides a manual run and its deletion (CONTRACT §8),
there are no run-changing commands here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from pydantic import Field

from deployq.messages.base import (
    Actor,
    Command,
    Count,
    FilterList,
    Instant,
    Json,
    Labels,
    Limit,
    Name,
    Offset,
    Page,
    Result,
    Seconds,
    Timestamps,
    Wire,
)

StateType = Literal[
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "CRASHED",
    "PAUSED",
    "CANCELLING",
]


class ScheduleRuns(Command):
    """R66: every bound optional; the defaults are the spec's, not the scheduler's settings.

    `min_time` is a number of seconds, like every duration on the wire.
    """

    command = "deployment.schedule_runs"
    writes = True

    deployment_id: UUID
    start_time: Instant | None = None
    end_time: Instant | None = None
    min_time: Seconds | None = None
    min_runs: Count | None = None
    max_runs: Count | None = None


IdempotencyKey = Annotated[str, Field(min_length=1, max_length=200)]


class CreateFlowRun(Command):
    """CONTRACT §8: a manual run of a deployment (Prefect's "run a deployment")."""

    command = "flow_run.create"
    writes = True

    deployment_id: UUID
    parameters: Json = {}
    scheduled_time: Instant | None = None
    idempotency_key: IdempotencyKey | None = None
    tags: list[str] = []
    name: Name | None = None


class DeleteFlowRun(Command):
    """CONTRACT §8: a run in any state, with its states."""

    command = "flow_run.delete"
    writes = True

    id: UUID


class ScheduledRuns(Result):
    """Ids of the runs this call created; runs that already existed are not repeated (R69)."""

    run_ids: list[UUID]


class ReadFlowRun(Command):
    command = "flow_run.read"
    writes = False

    id: UUID


class FlowRunSort(StrEnum):
    EXPECTED_START_TIME_ASC = "EXPECTED_START_TIME_ASC"
    EXPECTED_START_TIME_DESC = "EXPECTED_START_TIME_DESC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"


class FlowRunFilters(Wire):
    """What `flow_run.list` and `flow_run.count` share; criteria combine with AND.

    `scheduled_after` / `scheduled_before` bound `expected_start_time`, both inclusive.
    """

    deployment_id: UUID | None = None
    state_type: FilterList[StateType] | None = None
    scheduled_after: Instant | None = None
    scheduled_before: Instant | None = None
    auto_scheduled: bool | None = None


class ListFlowRuns(FlowRunFilters, Command):
    command = "flow_run.list"
    writes = False

    sort: FlowRunSort = FlowRunSort.EXPECTED_START_TIME_ASC
    offset: Offset = 0
    limit: Limit = 200


class CountFlowRuns(FlowRunFilters, Command):
    command = "flow_run.count"
    writes = False


class StateDetails(Result):
    scheduled_time: datetime | None


class FlowRunState(Result):
    id: UUID
    type: StateType
    name: str
    timestamp: datetime
    message: str | None
    state_details: StateDetails


class FlowRun(Timestamps):
    """R6. Field order is the JSON order; `flow_run_document` builds the same object."""

    name: str
    flow_id: UUID
    deployment_id: UUID | None
    deployment_version: str | None
    work_queue_name: str | None
    work_queue_id: UUID | None
    parameters: Json
    idempotency_key: str | None
    tags: list[str]
    labels: Labels
    auto_scheduled: bool
    run_count: int
    state_type: StateType
    state_name: str
    expected_start_time: datetime | None
    next_scheduled_start_time: datetime | None
    infrastructure_document_id: UUID | None
    created_by: Actor | None
    state_id: UUID | None
    state: FlowRunState | None


class FlowRuns(Page):
    items: list[FlowRun]


_RUN_FIELDS = tuple(name for name in FlowRun.model_fields if name != "state")


def flow_run_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """A run row joined with its state row (`state_timestamp`, `state_message`,
    `state_scheduled_time`) as the FlowRun object: the one shape that both the reply model and
    the `flow_run.created` event are made from, so they cannot drift apart."""
    data = {name: row[name] for name in _RUN_FIELDS}
    state_id = row["state_id"]
    data["state"] = None
    if state_id is not None and row["state_timestamp"] is not None:
        data["state"] = {
            "id": state_id,
            "type": row["state_type"],
            "name": row["state_name"],
            "timestamp": row["state_timestamp"],
            "message": row["state_message"],
            "state_details": {"scheduled_time": row["state_scheduled_time"]},
        }
    return data


def flow_run_json(row: Mapping[str, Any]) -> bytes:
    """The FlowRun JSON without building the model: the event path makes thousands per pass.
    Instants are UTC, written with `Z` as the reply model writes them."""
    return orjson.dumps(flow_run_document(row), option=orjson.OPT_UTC_Z)
