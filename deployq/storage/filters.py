"""SQL conditions for the filter objects of R55 (deployments, flows, runs, pools, queues, …).

This is the one place where filter wire models become SQL; every group combines its criteria
with its own `operator`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.sql import ColumnElement

from deployq.messages import filters as f
from deployq.messages.base import Operator
from deployq.messages.runs import FlowRunFilters
from deployq.storage.tables import deployment, flow, flow_run, task_run, work_pool, work_queue

Condition = ColumnElement[bool]


def combine(operator: Operator, conditions: Sequence[Condition]) -> Condition | None:
    if not conditions:
        return None
    return sa.and_(*conditions) if operator == "and_" else sa.or_(*conditions)


def contains_text(column: sa.ColumnElement[str], fragment: str) -> Condition:
    """Case-insensitive substring match; `%` and `_` in the fragment are taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _ids(column: sa.ColumnElement[object], spec: f.Ids | f.AnyIds | None) -> list[Condition]:
    if spec is None:
        return []
    out: list[Condition] = []
    if spec.any_ is not None:
        out.append(column.in_(spec.any_))
    if isinstance(spec, f.Ids) and spec.not_any_ is not None:
        out.append(column.not_in(spec.not_any_))
    return out


def _names(column: sa.ColumnElement[str], spec: f.Names | f.AnyNames | None) -> list[Condition]:
    if spec is None:
        return []
    out: list[Condition] = []
    if spec.any_ is not None:
        out.append(column.in_(spec.any_))
    if isinstance(spec, f.Names) and spec.like_ is not None:
        out.append(contains_text(column, spec.like_))
    return out


def _any_not_any(column: sa.ColumnElement[str], spec: f.AnyNotAny | None) -> list[Condition]:
    if spec is None:
        return []
    out: list[Condition] = []
    if spec.any_ is not None:
        out.append(column.in_(spec.any_))
    if spec.not_any_ is not None:
        out.append(column.not_in(spec.not_any_))
    return out


def tags_condition(column: sa.ColumnElement[object], spec: f.Tags | None) -> list[Condition]:
    """`all_`: superset; `any_`: at least one in common; `is_null_`: no tags at all."""
    if spec is None:
        return []
    out: list[Condition] = []
    if spec.all_ is not None:
        out.append(column.op("@>")(sa.cast(sa.literal(spec.all_, JSONB), JSONB)))
    if spec.any_ is not None:
        out.append(column.op("?|")(array(spec.any_, type_=sa.Text)))
    if spec.is_null_ is not None:
        empty = sa.or_(column.is_(None), column == sa.text("'[]'::jsonb"))
        out.append(empty if spec.is_null_ else sa.not_(empty))
    condition = combine(spec.operator, out)
    return [] if condition is None else [condition]


def _between(column: sa.ColumnElement[object], spec: f.Between | None) -> list[Condition]:
    if spec is None:
        return []
    out: list[Condition] = []
    if spec.before_ is not None:
        out.append(column <= spec.before_)
    if spec.after_ is not None:
        out.append(column >= spec.after_)
    return out


def _state(
    type_col: sa.ColumnElement[str], name_col: sa.ColumnElement[str], spec: f.StateFilter | None
) -> list[Condition]:
    if spec is None:
        return []
    condition = combine(
        spec.operator, [*_any_not_any(type_col, spec.type), *_any_not_any(name_col, spec.name)]
    )
    return [] if condition is None else [condition]


def deployment_conditions(spec: f.DeploymentFilter) -> Condition | None:
    c = deployment.c
    out = [*_ids(c.id, spec.id), *_names(c.name, spec.name)]
    if spec.flow_or_deployment_name and spec.flow_or_deployment_name.like_ is not None:
        like = spec.flow_or_deployment_name.like_
        flows = sa.select(flow.c.id).where(contains_text(flow.c.name, like))
        out.append(sa.or_(contains_text(c.name, like), c.flow_id.in_(flows)))
    if spec.paused and spec.paused.eq_ is not None:
        out.append(c.paused.is_(spec.paused.eq_))
    out += tags_condition(c.tags, spec.tags)
    out += _names(c.work_queue_name, spec.work_queue_name)
    return combine(spec.operator, out)


def flow_conditions(spec: f.FlowFilter) -> Condition | None:
    out = [*_ids(flow.c.id, spec.id), *_names(flow.c.name, spec.name)]
    out += tags_condition(flow.c.tags, spec.tags)
    return combine(spec.operator, out)


def flow_run_conditions(spec: f.FlowRunFilter) -> Condition | None:
    c = flow_run.c
    out = [*_ids(c.id, spec.id), *_names(c.name, spec.name), *tags_condition(c.tags, spec.tags)]
    if spec.deployment_id is not None:
        if spec.deployment_id.any_ is not None:
            out.append(c.deployment_id.in_(spec.deployment_id.any_))
        if spec.deployment_id.is_null_ is not None:
            out.append(
                c.deployment_id.is_(None)
                if spec.deployment_id.is_null_
                else c.deployment_id.is_not(None)
            )
    out += _state(c.state_type, c.state_name, spec.state)
    out += _between(c.expected_start_time, spec.expected_start_time)
    out += _between(c.next_scheduled_start_time, spec.next_scheduled_start_time)
    out += _names(c.work_queue_name, spec.work_queue_name)
    return combine(spec.operator, out)


def flow_run_list_conditions(spec: FlowRunFilters) -> list[Condition]:
    """`flow_run.list` / `.count`: their own flat criteria, combined with AND."""
    c = flow_run.c
    out: list[Condition] = []
    if spec.deployment_id is not None:
        out.append(c.deployment_id == spec.deployment_id)
    if spec.state_type is not None:
        out.append(c.state_type.in_(spec.state_type))
    if spec.scheduled_after is not None:
        out.append(c.expected_start_time >= spec.scheduled_after)
    if spec.scheduled_before is not None:
        out.append(c.expected_start_time <= spec.scheduled_before)
    if spec.auto_scheduled is not None:
        out.append(c.auto_scheduled.is_(spec.auto_scheduled))
    return out


def task_run_conditions(spec: f.TaskRunFilter) -> Condition | None:
    c = task_run.c
    out = [*_ids(c.id, spec.id), *_names(c.name, spec.name), *tags_condition(c.tags, spec.tags)]
    out += _state(c.state_type, c.state_name, spec.state)
    out += _between(c.start_time, spec.start_time)
    return combine(spec.operator, out)


def work_pool_conditions(spec: f.WorkPoolFilter) -> Condition | None:
    c = work_pool.c
    out = [*_ids(c.id, spec.id), *_names(c.name, spec.name), *_names(c.type, spec.type)]
    return combine(spec.operator, out)


def work_queue_conditions(spec: f.WorkQueueFilter) -> Condition | None:
    c = work_queue.c
    out: list[Condition] = _ids(c.id, spec.id)
    if spec.name is not None:
        if spec.name.any_ is not None:
            out.append(c.name.in_(spec.name.any_))
        if spec.name.startswith_ is not None:
            out.append(
                sa.or_(*(c.name.startswith(p, autoescape=True) for p in spec.name.startswith_))
            )
    return combine(spec.operator, out)


S = TypeVar("S", bound=sa.Select[Any])


def _where(select: S, condition: Condition | None) -> S:
    return select if condition is None else select.where(condition)


def deployment_filters(spec: f.DeploymentFilters) -> list[Condition]:
    """Conditions on `deployment` rows; a deployment matches runs/queues through subqueries,
    so it is never duplicated."""
    out: list[Condition] = []
    if spec.deployments is not None:
        condition = deployment_conditions(spec.deployments)
        if condition is not None:
            out.append(condition)
    if spec.flows is not None:
        out.append(
            deployment.c.flow_id.in_(_where(sa.select(flow.c.id), flow_conditions(spec.flows)))
        )
    if spec.flow_runs is not None or spec.task_runs is not None:
        runs = (
            sa.select(sa.literal(1))
            .select_from(flow_run)
            .where(flow_run.c.deployment_id == deployment.c.id)
        )
        if spec.flow_runs is not None:
            runs = _where(runs, flow_run_conditions(spec.flow_runs))
        if spec.task_runs is not None:
            runs = _where(
                runs.join(task_run, task_run.c.flow_run_id == flow_run.c.id),
                task_run_conditions(spec.task_runs),
            )
        out.append(runs.exists())
    if spec.work_pools is not None or spec.work_queues is not None:
        queues = sa.select(work_queue.c.id).join(
            work_pool, work_pool.c.id == work_queue.c.work_pool_id
        )
        if spec.work_pools is not None:
            queues = _where(queues, work_pool_conditions(spec.work_pools))
        if spec.work_queues is not None:
            queues = _where(queues, work_queue_conditions(spec.work_queues))
        out.append(deployment.c.work_queue_id.in_(queues))
    return out
