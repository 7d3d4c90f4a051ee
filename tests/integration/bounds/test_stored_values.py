"""A stored value never breaks a later command: parameters (a deployment's and its schedules') as
deep as a body may nest, names and text as long as they may be, then runs scheduled from them,
read, listed and announced, at the default depth and at the largest the setting allows."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest
import sqlalchemy as sa

from deployq.storage.database import Database
from tests.integration.bounds.support import DEPTH, deep, send
from tests.support import ok


async def _events_of(db: Database, deployment_id: str) -> list[dict[str, Any]]:
    """Every event about the deployment or its runs, parsed from the outbox as written."""
    statement = sa.text(
        "SELECT e.key, e.body FROM outbox, unnest(outbox.routing_keys, outbox.bodies) "
        "AS e(key, body) WHERE e.key LIKE :runs OR e.key LIKE 'deployment.%' ORDER BY outbox.seq"
    )
    async with db.reading() as uow:
        rows = (await uow.connection.execute(statement, {"runs": f"%.{deployment_id}"})).all()
    events = [(key, orjson.loads(body)) for key, body in rows]
    return [e for key, e in events if key.endswith(deployment_id) or e["subject"] == deployment_id]


@pytest.mark.parametrize("depth", [DEPTH, 128], ids=["default-depth", "largest-depth-setting"])
async def test_deepest_and_largest_accepted_values_serve_every_later_command(
    db: Database, depth: int
) -> None:
    """Parameters (deployment and schedule) as deep as the body may nest, names as long as they
    may be: scheduling runs from them, reading, listing and announcing all still work."""
    flow_name = "f" * 990 + uuid4().hex[:10]
    ok(await send(db, "flow.create", {"name": flow_name, "labels": {"k": "v" * 10_000}}))
    # body (1) → parameters (2) → …: the deepest value a body of `depth` levels can carry.
    parameters = {"p": deep(depth - 2)}
    schedule_parameters = {"s": deep(depth - 4)}  # body → schedules → [0] → parameters → s
    body = {
        "flow_name": flow_name,
        "name": "d" * 1000,
        "tags": ["t" * 10_000, *[f"tag{i}" for i in range(1000)]],
        "parameters": parameters,
        "parameter_openapi_schema": {"s": deep(depth - 2)},
        "job_variables": {"j": deep(depth - 2)},
        "pull_steps": [{"p": deep(depth - 3)}],
        "work_queue_name": "q" * 1000,
        "description": "x" * 100_000,
        "schedules": [
            {
                "schedule": {"interval": 60, "anchor_date": "2031-06-01T12:00:00Z"},
                "parameters": schedule_parameters,
                "slug": "s" * 200,
            }
        ],
    }
    dep = ok(await send(db, "deployment.create", body, depth=depth))
    more = {"deployment_id": dep["id"], "schedules": [{"schedule": {"cron": "* * * * *"}}]}
    more["schedules"][0]["parameters"] = schedule_parameters
    ok(await send(db, "deployment.schedules.create", more, depth=depth))

    created = ok(
        await send(db, "deployment.schedule_runs", {"deployment_id": dep["id"], "max_runs": 200})
    )
    assert len(created["run_ids"]) > 100
    ok(await send(db, "deployment.read", {"id": dep["id"]}))
    listed = ok(await send(db, "deployment.list", {"deployments": {"id": {"any_": [dep["id"]]}}}))
    assert [d["id"] for d in listed["items"]] == [dep["id"]]
    runs = ok(await send(db, "flow_run.list", {"deployment_id": dep["id"], "limit": 200}))
    assert len(runs["items"]) == len(created["run_ids"])
    run = ok(await send(db, "flow_run.read", {"id": created["run_ids"][0]}))
    assert set(run["parameters"]) == {"p", "s"}
    ok(await send(db, "deployment.update", {"id": dep["id"], "paused": True}, depth=depth))

    announced = await _events_of(db, dep["id"])
    kinds = {event["type"] for event in announced}
    assert {"deployq.deployment.created", "deployq.flow_run.created"} <= kinds
    assert "deployq.deployment.updated" in kinds
