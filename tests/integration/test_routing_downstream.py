"""What a deployment's work queue is used for: filtering lists and counts by pool and queue
(R55), and passing the queue on to the runs it schedules (R68)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from deployq.handlers.deployments import count_deployments, read_deployments
from deployq.handlers.runs import schedule_runs
from deployq.handlers.work_pools import delete_work_pool
from deployq.messages.deployments import CountDeployments, ListDeployments
from deployq.messages.runs import ScheduleRuns
from deployq.messages.work_pools import DEFAULT_POOL, DeleteWorkPool
from deployq.storage.database import Database
from deployq.storage.tables import flow_run
from tests.integration.builders import make_deployment, make_flow, read, write
from tests.integration.pools import make_pool
from tests.support import unique

# --- R55: list and count through pools and queues made by their commands --------------------


async def test_list_and_count_filter_by_work_pool_and_work_queue(
    db: Database, now: datetime
) -> None:
    kind = unique("type")
    kube = await make_pool(db, now, type=kind)
    proc = await make_pool(db, now, type=unique("type"))
    flow = await make_flow(db, now)
    scope = {"flows": {"id": {"any_": [str(flow.id)]}}}
    made = {
        "kube-default": {"work_pool_name": kube.name},
        "kube-gpu": {"work_pool_name": kube.name, "work_queue_name": "gpu"},
        "proc-gpu": {"work_pool_name": proc.name, "work_queue_name": "gpu"},
        "legacy": {"work_queue_name": unique("legacy")},
        "nowhere": {},
    }
    ids = {
        name: (await make_deployment(db, flow.id, now, name=name, **fields)).work_queue_id
        for name, fields in made.items()
    }

    async def names(**groups: Any) -> list[str]:
        body = {**scope, **groups}
        page = await read(db, read_deployments, ListDeployments.model_validate(body), now=now)
        counted = await read(db, count_deployments, CountDeployments.model_validate(body), now=now)
        assert counted.count == len(page.items)
        return [d.name for d in page.items]

    assert await names(work_pools={"name": {"any_": [kube.name]}}) == ["kube-default", "kube-gpu"]
    assert await names(work_pools={"id": {"any_": [str(proc.id)]}}) == ["proc-gpu"]
    assert await names(work_pools={"type": {"any_": [kind]}}) == ["kube-default", "kube-gpu"]
    assert await names(work_pools={"name": {"any_": [DEFAULT_POOL]}}) == ["legacy"]
    assert await names(work_queues={"name": {"any_": ["gpu"]}}) == ["kube-gpu", "proc-gpu"]
    assert await names(work_queues={"name": {"startswith_": ["gp", "def"]}}) == [
        "kube-default",
        "kube-gpu",
        "proc-gpu",
    ]
    assert await names(work_queues={"id": {"any_": [str(ids["kube-gpu"])]}}) == ["kube-gpu"]
    both = {
        "work_pools": {"name": {"any_": [proc.name]}},
        "work_queues": {"name": {"any_": ["gpu"]}},
    }
    assert await names(**both) == ["proc-gpu"]
    assert await names(work_pools={}) == ["kube-default", "kube-gpu", "legacy", "proc-gpu"]

    await write(db, delete_work_pool, DeleteWorkPool(name=kube.name), now=now)

    assert await names(work_pools={"name": {"any_": [kube.name]}}) == []
    assert await names(work_pools={}) == ["legacy", "proc-gpu"]


# --- R68: runs carry the deployment's work queue --------------------------------------------


async def test_scheduled_runs_carry_the_work_queue_name_and_id(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    schedule = [{"schedule": {"interval": 3600, "anchor_date": now.isoformat()}}]
    created = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="q", schedules=schedule
    )
    plain = await make_deployment(db, flow.id, now, schedules=schedule)

    async def runs_of(deployment_id: UUID) -> set[tuple[str | None, UUID | None]]:
        command = ScheduleRuns(deployment_id=deployment_id, start_time=now + timedelta(seconds=1))
        made = await write(db, schedule_runs, command, now=now)
        assert made.run_ids
        async with db.reading() as uow:
            statement = sa.select(flow_run.c.work_queue_name, flow_run.c.work_queue_id).where(
                flow_run.c.id.in_(made.run_ids)
            )
            return {(r[0], r[1]) for r in await uow.connection.execute(statement)}

    assert await runs_of(created.id) == {("q", created.work_queue_id)}
    assert created.work_queue_id is not None
    assert await runs_of(plain.id) == {(None, None)}
