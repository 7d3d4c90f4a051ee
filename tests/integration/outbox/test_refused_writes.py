"""A change that does not commit writes nothing to `outbox` (CONTRACT §4): a refused command,
even one refused after its handler announced runs deleted, or a transaction left or raised."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from deployq.handlers.deployments import create_deployment
from deployq.messages.deployments import CreateDeployment
from deployq.storage.database import Database
from tests.integration.builders import deployments_named, make_flow, runs_of
from tests.integration.outbox.commands import CREATED, dispatch, with_future_runs
from tests.integration.outbox.rows import last_seq, rows_after
from tests.support import refused, unique

REFUSALS = {
    "update of a missing id": ("deployment.update", {"description": "x"}, "not_found", True),
    "pause of a missing id": ("deployment.pause", {}, "not_found", True),
    "delete of a missing id": ("deployment.delete", {}, "not_found", True),
    # These two fail after the handler deleted the future runs and announced them.
    "conflict after runs were deleted": (
        "deployment.update",
        {"schedules": [{"schedule": {"interval": 60}, "slug": "a"}] * 2},
        "conflict",
        False,
    ),
    "validation error after runs were deleted": (
        "deployment.update",
        {"schedules": [{"active": True}]},
        "validation_error",
        False,
    ),
}


@pytest.mark.parametrize(("command", "body", "code", "missing"), REFUSALS.values(), ids=REFUSALS)
async def test_a_refused_write_writes_no_outbox_row(
    db: Database, now: datetime, command: str, body: dict[str, Any], code: str, missing: bool
) -> None:
    deployment, run_ids = await with_future_runs(db, now)
    target = str(uuid.uuid4()) if missing else deployment["id"]
    mark = await last_seq(db)

    refused(await dispatch(db, command, {"id": target, **body}, now=now), code)

    assert await rows_after(db, mark) == []
    assert {str(r) for r in await runs_of(db, UUID(deployment["id"]))} == set(run_ids)


@pytest.mark.parametrize("ending", ["left without commit", "raised"])
async def test_a_transaction_that_does_not_commit_writes_no_outbox_row(
    db: Database, now: datetime, ending: str
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    command = CreateDeployment.model_validate({"flow_id": str(flow.id), "name": name})
    mark = await last_seq(db)

    with pytest.raises(RuntimeError) if ending == "raised" else contextlib.nullcontext():
        async with db.transaction() as uow:
            await create_deployment(command, uow, now=now)
            assert [e.type for e in uow.events] == [CREATED]
            if ending == "raised":
                raise RuntimeError("the caller failed after the handler")

    assert await rows_after(db, mark) == []
    assert await deployments_named(db, name) == 0
