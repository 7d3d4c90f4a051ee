"""`deployment.update` is partial (R56): only the fields present change, null clears what may be
null, and an unknown id changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from deployq.errors import NotFound
from deployq.messages.deployments import UpdateDeployment
from deployq.messages.work_pools import DEFAULT_POOL
from deployq.storage.database import Database
from tests.integration.builders import existing_runs, insert_run, make_deployment, make_flow
from tests.integration.deployments_support import (
    ALICE,
    BOB,
    NOT_NULLABLE,
    NULLABLE,
    RICH_FIELDS,
    every,
    reread,
    stored_fields,
    update,
    without_outcome,
)
from tests.integration.pools import queue_count
from tests.support import unique


async def test_r56_only_fields_present_change(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60)], **RICH_FIELDS)
    later = now + timedelta(minutes=5)

    updated = await update(db, later, id=created.id, description="changed")

    assert stored_fields(updated) == {**RICH_FIELDS, "description": "changed"}
    assert updated.created == now
    assert updated.updated == later
    assert updated.status == created.status
    assert updated.name == created.name
    assert updated.flow_id == flow.id
    assert [s.id for s in updated.schedules] == [s.id for s in created.schedules]
    assert updated == await reread(db, created.id, later)


async def test_r56_each_field_can_be_changed(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, **RICH_FIELDS)
    changes = {
        "version": "2",
        "description": "d2",
        "paused": False,
        "tags": ["z"],
        "labels": {"k": "v"},
        "parameters": {},
        "parameter_openapi_schema": {"type": "string"},
        "enforce_parameter_schema": True,
        "job_variables": {"cpu": 2},
        "pull_steps": [],
        "path": "/other",
        "entrypoint": "other.py:run",
        "work_queue_name": "queue-b",
        "storage_document_id": str(uuid4()),
        "infrastructure_document_id": str(uuid4()),
        "concurrency_limit": 9,
        "updated_by": BOB,
    }

    updated = await update(db, now, id=created.id, **changes)

    expected = {**changes, "created_by": ALICE}
    assert stored_fields(updated) == expected
    assert stored_fields(await reread(db, created.id, now)) == expected


async def test_r56_null_clears_nullable_fields(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, **RICH_FIELDS)

    updated = await update(db, now, id=created.id, **dict.fromkeys(NULLABLE))

    stored = stored_fields(await reread(db, created.id, now))
    assert stored == stored_fields(updated)
    assert stored == {**RICH_FIELDS, **dict.fromkeys(NULLABLE)}


@pytest.mark.parametrize("field", NOT_NULLABLE)
def test_r56_null_is_refused_for_non_nullable_fields(field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        UpdateDeployment.model_validate({"id": str(uuid4()), field: None})
    assert {error["loc"][0] for error in raised.value.errors()} == {field}


@pytest.mark.parametrize("field", ["name", "flow_id", "created_by", "status", "created"])
def test_r56_fields_that_update_cannot_change_are_refused(field: str) -> None:
    with pytest.raises(ValidationError):
        UpdateDeployment.model_validate({"id": str(uuid4()), field: "x"})


async def test_r56_unknown_id_is_not_found_and_nothing_changes(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    bystander = await make_deployment(db, flow.id, now, description="same")
    missing = uuid4()
    orphan = await insert_run(
        db, flow_id=flow.id, deployment_id=missing, start=now + timedelta(hours=1)
    )

    queue = unique("queue")

    with pytest.raises(NotFound, match=str(missing)):
        await update(db, now + timedelta(minutes=1), id=missing, description="changed")
    with pytest.raises(NotFound, match=str(missing)):
        await update(db, now, id=missing, work_queue_name=queue)

    assert orphan in await existing_runs(db, [orphan])
    assert await queue_count(db, DEFAULT_POOL, queue) == 0
    assert (await reread(db, bystander.id, now)).model_dump() == without_outcome(bystander)
