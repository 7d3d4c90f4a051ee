"""The runs operators ask for (CONTRACT §8): a manual run of a deployment, and a backfill of
its schedules' occurrences. Both are made as R68 makes a scheduled run, with the differences the
contract lists, and stored by the scheduler's own bulk insert (`materialise.insert_runs`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from deployq.scheduling import document
from deployq.scheduling.names import run_name
from deployq.scheduling.occurring import within
from deployq.scheduling.planning import (
    DEPLOYMENT_LABEL,
    FLOW_LABEL,
    idempotency_key,
    new_id,
    source,
)
from deployq.storage.new_runs import NewRun, RunSource

BACKFILL_TAG = "backfill"
BACKFILL_LABEL = "deployq.backfill.id"

Row = Mapping[Any, Any]


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _add_tags(tags: Iterable[str], more: Iterable[str]) -> list[str]:
    """`tags`, then those of `more` not already there (each once)."""
    found = list(tags)
    for tag in more:
        if tag not in found:
            found.append(tag)
    return found


def manual_run(
    deployment: Row,
    *,
    parameters: dict[str, Any],
    tags: list[str],
    name: str | None,
    at: datetime,
    key: str | None,
) -> NewRun:
    """`flow_run.create`'s run: parameters overlaid key by key, the deployment's tags then the
    given ones, no `created_by`, not auto-scheduled."""
    deployment_id, flow_id = str(deployment["id"]), str(deployment["flow_id"])
    shared = RunSource(
        schedule_id=None,
        flow_id=flow_id,
        deployment_id=deployment_id,
        deployment_version=deployment["version"],
        work_queue_name=deployment["work_queue_name"],
        work_queue_id=_text(deployment["work_queue_id"]),
        parameters={**deployment["parameters"], **parameters},
        tags=_add_tags(deployment["tags"], tags),
        labels={**deployment["labels"], FLOW_LABEL: flow_id, DEPLOYMENT_LABEL: deployment_id},
        infrastructure_document_id=_text(deployment["infrastructure_document_id"]),
        created_by=None,
        auto_scheduled=False,
    )
    return NewRun(new_id(), new_id(), name or run_name(), at.astimezone(UTC), key, shared)


def backfill_runs(
    deployment: Row,
    schedules: Iterable[Row],
    start: datetime,
    end: datetime,
    *,
    backfill_id: UUID,
    most: int,
) -> list[NewRun]:
    """A run per occurrence in [start, end] of each schedule, in time order (ties by schedule
    id), keyed as the scheduler keys them (R68), so an occurrence is never run twice.

    Raises `occurring.TooMany` past `most` occurrences in all, and ValueError for a stored
    schedule that cannot be computed.
    """
    runs: list[NewRun] = []
    for schedule in schedules:
        spec = document.spec(schedule["schedule"])
        found = within(spec, schedule["id"], start, end, most=most - len(runs))
        if not found:
            continue
        planned = source(deployment, schedule, spec)
        shared = dataclasses.replace(
            planned,
            auto_scheduled=False,
            tags=_add_tags(deployment["tags"], [BACKFILL_TAG]),
            labels={**planned.labels, BACKFILL_LABEL: str(backfill_id)},
            created_by={**(planned.created_by or {}), "type": "BACKFILL"},
        )
        runs.extend(
            NewRun(
                new_id(),
                new_id(),
                run_name(),
                occurrence.at.astimezone(UTC),
                idempotency_key(deployment["id"], schedule["id"], occurrence.at),
                shared,
            )
            for occurrence in found
        )
    return sorted(runs, key=lambda run: (run.scheduled_time, run.source.schedule_id or ""))
