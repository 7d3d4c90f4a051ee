"""Prefect's side of `benchmarks.peer`, run by the python of a venv that has Prefect (never
deployq's): it imports neither deployq nor the benchmarks, only Prefect's server.

It migrates the database named by PREFECT_API_DATABASE_CONNECTION_URL, then answers one JSON
request per line on stdin with one JSON line on its stdout (anything Prefect prints goes to
stderr):

- `{"op": "flow", "name": …}` → `{"id": …}`;
- `{"op": "create", "flow_id", "prefix", "count", "inflight", "scheduled"}` → `{"seconds",
  "latencies"}`: `count` deployments made as Prefect's `POST /deployments/` makes them (the body
  validated into `DeploymentCreate`, `schemas.core.Deployment`, `models.deployments.
  create_deployment` in a session with a transaction, the `DeploymentResponse` built), with
  `inflight` of them at once;
- `{"op": "schedule", "expected"}` → `{"seconds", "runs"}`: every flow run removed, then one
  call of the scheduler service's own `schedule_deployments()` (its settings come from the
  environment: PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS and the like).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prefect import __version__  # type: ignore[import-not-found, unused-ignore]
from prefect.server import models, schemas  # type: ignore[import-not-found, unused-ignore]
from prefect.server.database import (  # type: ignore[import-not-found, unused-ignore]
    provide_database_interface,
)
from prefect.server.services.scheduler import (  # type: ignore[import-not-found, unused-ignore]
    schedule_deployments,
)

ANCHOR = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)


def body(flow_id: str, name: str, index: int, *, scheduled: bool) -> dict[str, Any]:
    """The body deployq's benchmark sends with `deployment.create` (see commands/messages.py),
    with an hourly interval schedule anchored now when `scheduled`."""
    data: dict[str, Any] = {
        "flow_id": flow_id,
        "name": name,
        "version": "2024.11.1",
        "description": "nightly extract and load of the orders tables",
        "entrypoint": "flows/etl.py:orders",
        "tags": ["bench", "etl", f"shard-{index % 8}"],
        "labels": {"team": "data", "tier": 2},
        "parameters": {"source": "orders", "batch_size": 500, "dry_run": False},
        "job_variables": {"image": "registry.local/etl:2024.11.1"},
    }
    if scheduled:
        schedule = {"interval": 3600, "anchor_date": ANCHOR.isoformat(), "timezone": "UTC"}
        data["schedules"] = [{"schedule": schedule}]
    return data


async def create_one(db: Any, data: dict[str, Any]) -> None:
    """What the API route does for a deployment without a work pool or blocks."""
    deployment = schemas.actions.DeploymentCreate.model_validate(data)
    values = deployment.model_dump(exclude_unset=True)
    values["created_by"] = values["updated_by"] = None
    async with db.session_context(begin_transaction=True) as session:
        model = await models.deployments.create_deployment(
            session=session, deployment=schemas.core.Deployment(**values)
        )
        schemas.responses.DeploymentResponse.model_validate(model, from_attributes=True)


async def create(db: Any, request: dict[str, Any]) -> dict[str, Any]:
    bodies = [
        body(request["flow_id"], f"{request['prefix']}-{i:07d}", i, scheduled=request["scheduled"])
        for i in range(request["count"])
    ]
    latencies: list[float] = []
    position = iter(bodies)

    async def lane() -> None:
        for data in position:
            began = time.perf_counter()
            await create_one(db, data)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(request["inflight"])))
    return {"seconds": time.perf_counter() - began, "latencies": latencies}


async def count_runs(db: Any) -> int:
    async with db.session_context() as session:
        return int((await session.execute(sa.text("SELECT count(*) FROM flow_run"))).scalar_one())


async def schedule(db: Any, request: dict[str, Any]) -> dict[str, Any]:
    """One pass of the scheduler service over every deployment, from no runs at all (as
    deployq's pass is measured: tables emptied and checkpointed first)."""
    async with db.session_context(begin_transaction=True) as session:
        await session.execute(sa.text("TRUNCATE flow_run, flow_run_state CASCADE"))
    async with db.session_context() as session:
        await session.execute(sa.text("CHECKPOINT"))
    began, cpu = time.perf_counter(), time.process_time()
    await schedule_deployments()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    runs = await count_runs(db)
    if runs != request["expected"]:
        raise RuntimeError(f"Prefect's scheduler made {runs} runs, not {request['expected']}")
    return {"seconds": seconds, "runs": runs, "cpu": cpu}


async def flow(db: Any, request: dict[str, Any]) -> dict[str, Any]:
    async with db.session_context(begin_transaction=True) as session:
        made = await models.flows.create_flow(
            session=session, flow=schemas.core.Flow(name=request["name"])
        )
        return {"id": str(made.id)}


async def serve(out: Any) -> None:
    db = provide_database_interface()
    began = time.perf_counter()
    await db.create_db()
    ready = {"ready": True, "prefect": __version__, "migrate_seconds": time.perf_counter() - began}
    print(json.dumps(ready), file=out, flush=True)
    operations = {"flow": flow, "create": create, "schedule": schedule}
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        request = json.loads(line)
        if request["op"] == "quit":
            break
        print(json.dumps(await operations[request["op"]](db, request)), file=out, flush=True)
    await (await db.engine()).dispose()


def main() -> None:
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # Prefect's own output goes to stderr; stdout carries the answers only
    asyncio.run(serve(out))


if __name__ == "__main__":
    main()
