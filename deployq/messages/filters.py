"""Filters for reading many deployments (R55), shaped like the reference's filter objects.

Within one group the criteria combine with the group's `operator` (`and_` by default);
groups combine with AND.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from deployq.messages.base import FilterList, Instant, Operator, Wire


class Group(Wire):
    operator: Operator = "and_"


class Ids(Wire):
    any_: FilterList[UUID] | None = None
    not_any_: FilterList[UUID] | None = None


class AnyIds(Wire):
    any_: FilterList[UUID] | None = None


class Names(Wire):
    any_: FilterList[str] | None = None
    like_: str | None = None


class AnyNames(Wire):
    any_: FilterList[str] | None = None


class QueueNames(Wire):
    any_: FilterList[str] | None = None
    startswith_: FilterList[str] | None = None


class Like(Wire):
    like_: str | None = None


class Equals(Wire):
    eq_: bool | None = None


class Tags(Group):
    all_: FilterList[str] | None = None
    any_: FilterList[str] | None = None
    is_null_: bool | None = None


class AnyNotAny(Wire):
    any_: FilterList[str] | None = None
    not_any_: FilterList[str] | None = None


class StateFilter(Group):
    type: AnyNotAny | None = None
    name: AnyNotAny | None = None


class Between(Wire):
    before_: Instant | None = None
    after_: Instant | None = None


class NullableIds(Wire):
    any_: FilterList[UUID] | None = None
    is_null_: bool | None = None


class DeploymentFilter(Group):
    id: Ids | None = None
    name: Names | None = None
    flow_or_deployment_name: Like | None = None
    paused: Equals | None = None
    tags: Tags | None = None
    work_queue_name: AnyNames | None = None


class FlowFilter(Group):
    id: Ids | None = None
    name: Names | None = None
    tags: Tags | None = None


class FlowRunFilter(Group):
    id: Ids | None = None
    name: Names | None = None
    tags: Tags | None = None
    deployment_id: NullableIds | None = None
    state: StateFilter | None = None
    expected_start_time: Between | None = None
    next_scheduled_start_time: Between | None = None
    work_queue_name: AnyNames | None = None


class TaskRunFilter(Group):
    id: Ids | None = None
    name: Names | None = None
    tags: Tags | None = None
    state: StateFilter | None = None
    start_time: Between | None = None


class WorkPoolFilter(Group):
    id: AnyIds | None = None
    name: AnyNames | None = None
    type: AnyNames | None = None


class WorkQueueFilter(Group):
    id: AnyIds | None = None
    name: QueueNames | None = None


class DeploymentSort(StrEnum):
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"


class DeploymentFilters(Wire):
    """The filter groups `deployment.list` and `deployment.count` share."""

    flows: FlowFilter | None = None
    flow_runs: FlowRunFilter | None = None
    task_runs: TaskRunFilter | None = None
    deployments: DeploymentFilter | None = None
    work_pools: WorkPoolFilter | None = None
    work_queues: WorkQueueFilter | None = None
