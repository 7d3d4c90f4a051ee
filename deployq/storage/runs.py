"""Statements on flow runs: bulk creation of planned runs (R69), reads, and the deletions R7
allows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.runs import FlowRunFilters, FlowRunSort
from deployq.planning import SCHEDULED_MESSAGE, SCHEDULED_NAME, PlannedRun, Source
from deployq.storage.tables import flow_run, flow_run_state

SCHEDULED = "SCHEDULED"
AWAITING_CONCURRENCY_SLOT = "AwaitingConcurrencySlot"


# R69 in one statement: the runs' shared values travel once per schedule (a JSON recordset), the
# per-run values as arrays; only rows that were really inserted come out of `inserted`, so only
# they get a state row. State type/name/message are literals, as every planned run has them.
INSERT_PLANNED = sa.text(
    f"""
    WITH g AS (
        SELECT * FROM jsonb_to_recordset(CAST(:sources AS jsonb)) AS g(
            n int, schedule_id uuid, flow_id uuid, deployment_id uuid, deployment_version text,
            work_queue_name text, work_queue_id uuid, parameters jsonb, tags jsonb,
            labels jsonb, infrastructure_document_id uuid, created_by jsonb)
    ), r AS (
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:state_ids AS uuid[]), CAST(:names AS text[]),
            CAST(:times AS timestamptz[]), CAST(:keys AS text[]), CAST(:sources_n AS int[])
        ) AS r(id, state_id, name, at, key, n)
    ), inserted AS (
        INSERT INTO flow_run (
            id, created, updated, name, flow_id, deployment_id, deployment_version,
            work_queue_name, work_queue_id, parameters, idempotency_key, tags, labels,
            auto_scheduled, run_count, state_id, state_type, state_name, expected_start_time,
            next_scheduled_start_time, infrastructure_document_id, created_by, schedule_id)
        SELECT r.id, :now, :now, r.name, g.flow_id, g.deployment_id, g.deployment_version,
            g.work_queue_name, g.work_queue_id, g.parameters, r.key, g.tags, g.labels,
            true, 0, r.state_id, 'SCHEDULED', '{SCHEDULED_NAME}', r.at,
            r.at, g.infrastructure_document_id, g.created_by, g.schedule_id
        FROM r JOIN g USING (n)
        ON CONFLICT (flow_id, idempotency_key) DO NOTHING
        RETURNING id, state_id, next_scheduled_start_time
    ), states AS (
        INSERT INTO flow_run_state (id, flow_run_id, type, name, timestamp, message,
            scheduled_time)
        SELECT state_id, id, 'SCHEDULED', '{SCHEDULED_NAME}', :now, '{SCHEDULED_MESSAGE}',
            next_scheduled_start_time
        FROM inserted
    )
    SELECT id::text FROM inserted
    """
)

_state = flow_run_state.alias("state")
# A run with its current state's columns, the row shape `convert.flow_run_data` reads.
VIEW = sa.select(
    *(column for column in flow_run.c if column.name != "schedule_id"),
    _state.c.timestamp.label("state_timestamp"),
    _state.c.message.label("state_message"),
    _state.c.scheduled_time.label("state_scheduled_time"),
).select_from(flow_run.outerjoin(_state, _state.c.id == flow_run.c.state_id))

SORTS: dict[FlowRunSort, tuple[sa.UnaryExpression[Any], ...]] = {
    FlowRunSort.EXPECTED_START_TIME_ASC: (
        flow_run.c.expected_start_time.asc().nulls_last(),
        flow_run.c.id.asc(),
    ),
    FlowRunSort.EXPECTED_START_TIME_DESC: (
        flow_run.c.expected_start_time.desc().nulls_last(),
        flow_run.c.id.asc(),
    ),
    FlowRunSort.CREATED_DESC: (flow_run.c.created.desc(), flow_run.c.id.asc()),
    FlowRunSort.NAME_ASC: (flow_run.c.name.asc(), flow_run.c.id.asc()),
}


def _source_json(n: int, s: Source) -> dict[str, Any]:
    return {
        "n": n,
        "schedule_id": s.schedule_id,
        "flow_id": s.flow_id,
        "deployment_id": s.deployment_id,
        "deployment_version": s.deployment_version,
        "work_queue_name": s.work_queue_name,
        "work_queue_id": s.work_queue_id,
        "parameters": s.parameters,
        "tags": s.tags,
        "labels": s.labels,
        "infrastructure_document_id": s.infrastructure_document_id,
        "created_by": s.created_by,
    }


def run_filters(spec: FlowRunFilters) -> list[sa.ColumnElement[bool]]:
    """`flow_run.list` / `.count` criteria, combined with AND."""
    c = flow_run.c
    out: list[sa.ColumnElement[bool]] = []
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


class RunRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def insert_planned(self, runs: Sequence[PlannedRun], *, now: datetime) -> set[str]:
        """Insert the runs whose (flow, idempotency key) is new, each with its state row, in one
        statement (R69); returns the ids actually inserted."""
        if not runs:
            return set()
        numbers: dict[str, int] = {}
        sources: list[dict[str, Any]] = []
        for run in runs:
            if run.source.schedule_id not in numbers:
                numbers[run.source.schedule_id] = len(sources)
                sources.append(_source_json(len(sources), run.source))
        params = {
            "sources": orjson.dumps(sources).decode(),
            "ids": [r.id for r in runs],
            "state_ids": [r.state_id for r in runs],
            "names": [r.name for r in runs],
            "times": [r.scheduled_time for r in runs],
            "keys": [r.idempotency_key for r in runs],
            "sources_n": [numbers[r.source.schedule_id] for r in runs],
            "now": now,
        }
        result = await self.connection.execute(INSERT_PLANNED, params)
        return set(result.scalars())

    async def delete_scheduled(
        self,
        deployment_id: UUID,
        *,
        auto_only: bool,
        future_after: datetime | None,
    ) -> list[RowMapping]:
        """Delete the deployment's deletable-scheduled runs (R7); they come back as
        `id, deployment_id, scheduled_time` for the `flow_run.deleted` events.

        `future_after` narrows to runs whose next scheduled start is after it.
        """
        c = flow_run.c
        statement = sa.delete(flow_run).where(
            c.deployment_id == deployment_id,
            c.state_type == SCHEDULED,
            c.state_name != AWAITING_CONCURRENCY_SLOT,
            c.run_count == 0,
        )
        if auto_only:
            statement = statement.where(c.auto_scheduled)
        if future_after is not None:
            statement = statement.where(c.next_scheduled_start_time > future_after)
        returning = statement.returning(
            c.id, c.deployment_id, c.next_scheduled_start_time.label("scheduled_time")
        )
        return list((await self.connection.execute(returning)).mappings())

    async def get(self, run_id: UUID) -> RowMapping | None:
        statement = VIEW.where(flow_run.c.id == run_id)
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def list(
        self, filters: FlowRunFilters, sort: FlowRunSort, offset: int, limit: int
    ) -> list[RowMapping]:
        statement = (
            VIEW.where(*run_filters(filters)).order_by(*SORTS[sort]).offset(offset).limit(limit)
        )
        return list((await self.connection.execute(statement)).mappings())

    async def count(self, filters: FlowRunFilters) -> int:
        statement = sa.select(sa.func.count()).select_from(flow_run).where(*run_filters(filters))
        return int((await self.connection.execute(statement)).scalar_one())
