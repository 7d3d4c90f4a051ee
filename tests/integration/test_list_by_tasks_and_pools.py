"""`deployment.list` and `deployment.count` filtered by the task_runs, work_pools and work_queues
groups (R55), and count agreeing with the unpaged list when the groups combine."""

from __future__ import annotations

from datetime import datetime, timedelta

from deployq.handlers.deployments import count_deployments
from deployq.messages.deployments import CountDeployments
from deployq.storage.database import Database
from tests.integration.builders import (
    insert_run,
    insert_task_run,
    make_deployment,
    make_flow,
    read,
)
from tests.integration.pools import insert_work_pool, set_work_queue
from tests.integration.queries_support import Body, in_flows, listed, query
from tests.support import unique

# --- task_runs group ------------------------------------------------------------------------


async def test_task_runs_match_through_the_flow_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    busy = await make_deployment(db, flow.id, now, name="busy")
    idle = await make_deployment(db, flow.id, now, name="idle")
    await make_deployment(db, flow.id, now, name="no-runs")
    for _ in range(2):
        run = await insert_run(db, flow_id=flow.id, deployment_id=busy.id, start=now)
        for task in ("extract", "load"):
            await insert_task_run(
                db, flow_run_id=run, name=task, tags=["io"], start_time=now + timedelta(hours=1)
            )
    lonely = await insert_run(db, flow_id=flow.id, deployment_id=idle.id, start=now)
    await insert_task_run(
        db, flow_run_id=lonely, name="noop", state_type="FAILED", state_name="Failed"
    )
    scope = in_flows(flow.id)

    def tasks(spec: Body) -> Body:
        return {**scope, "task_runs": spec}

    assert await query(db, now, tasks({})) == ["busy", "idle"]
    assert await query(db, now, tasks({"name": {"any_": ["load"]}})) == ["busy"]
    assert await query(db, now, tasks({"name": {"like_": "XTR"}})) == ["busy"]
    assert await query(db, now, tasks({"tags": {"all_": ["io"]}})) == ["busy"]
    assert await query(db, now, tasks({"state": {"type": {"any_": ["FAILED"]}}})) == ["idle"]
    assert await query(db, now, tasks({"state": {"name": {"not_any_": ["Failed"]}}})) == ["busy"]
    after = {"start_time": {"after_": now.isoformat()}}
    assert await query(db, now, tasks(after)) == ["busy"]


# --- work_pools and work_queues groups ------------------------------------------------------


async def test_work_pools_and_work_queues(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    kube_type = unique("kubernetes")
    kube = await insert_work_pool(db, type=kube_type, queues=("gpu", "cpu"))
    proc = await insert_work_pool(db, type=unique("process"))
    placed = {
        "on-gpu": kube.queues["gpu"],
        "on-cpu": kube.queues["cpu"],
        "on-kube-default": kube.default_queue_id,
        "on-proc-default": proc.default_queue_id,
    }
    for name, queue_id in placed.items():
        created = await make_deployment(db, flow.id, now, name=name)
        await set_work_queue(db, created.id, queue_id)
    await make_deployment(db, flow.id, now, name="unplaced")
    scope = in_flows(flow.id)
    on_kube = ["on-cpu", "on-gpu", "on-kube-default"]

    def group(key: str, spec: Body) -> Body:
        return {**scope, key: spec}

    assert await query(db, now, group("work_pools", {"name": {"any_": [kube.name]}})) == on_kube
    assert await query(db, now, group("work_pools", {"id": {"any_": [str(proc.id)]}})) == [
        "on-proc-default"
    ]
    assert await query(db, now, group("work_pools", {"type": {"any_": [kube_type]}})) == on_kube
    assert await query(db, now, group("work_pools", {})) == sorted(placed)
    gpu = {"id": {"any_": [str(kube.queues["gpu"])]}}
    assert await query(db, now, group("work_queues", gpu)) == ["on-gpu"]
    defaults = {"name": {"any_": ["default"]}}
    assert await query(db, now, group("work_queues", defaults)) == [
        "on-kube-default",
        "on-proc-default",
    ]
    assert await query(db, now, group("work_queues", {"name": {"startswith_": ["gp", "cp"]}})) == [
        "on-cpu",
        "on-gpu",
    ]
    both = {**scope, "work_pools": {"name": {"any_": [proc.name]}}, "work_queues": defaults}
    assert await query(db, now, both) == ["on-proc-default"]
    crossed = {**scope, "work_pools": {"name": {"any_": [proc.name]}}, "work_queues": gpu}
    assert await query(db, now, crossed) == []
    either = {"operator": "or_", "name": {"any_": [proc.name]}, "type": {"any_": [kube_type]}}
    assert await query(db, now, group("work_pools", either)) == sorted(placed)
    pool_and_type = {"name": {"any_": [proc.name]}, "type": {"any_": [kube_type]}}
    assert await query(db, now, group("work_pools", pool_and_type)) == []
    queue_either = {"operator": "or_", "id": gpu["id"], "name": {"any_": ["cpu"]}}
    assert await query(db, now, group("work_queues", queue_either)) == ["on-cpu", "on-gpu"]


async def test_work_pool_listed_in_each_item(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    pool = await insert_work_pool(db)
    created = await make_deployment(db, flow.id, now, name="placed")
    await set_work_queue(db, created.id, pool.default_queue_id)

    [item] = await listed(db, now, in_flows(flow.id))

    assert item.work_queue_id == pool.default_queue_id
    assert item.work_pool_name == pool.name


# --- count ----------------------------------------------------------------------------------


async def test_count_matches_the_unpaged_list_for_combined_filters(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now, tags=["team"])
    for n in range(6):
        created = await make_deployment(
            db, flow.id, now, name=f"job-{n}", tags=["even"] if n % 2 == 0 else []
        )
        for _ in range(n):
            await insert_run(db, flow_id=flow.id, deployment_id=created.id, start=now)
    body = {
        "flows": {"id": {"any_": [str(flow.id)]}, "tags": {"all_": ["team"]}},
        "deployments": {"tags": {"any_": ["even"]}, "name": {"like_": "JOB"}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
    }

    assert await query(db, now, body) == ["job-2", "job-4"]
    counted = await read(db, count_deployments, CountDeployments.model_validate(body), now=now)
    assert counted.count == 2
