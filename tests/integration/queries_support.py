"""How the `deployment.list` tests query: scoped to the test's own flows (the database is
shared), with `query` checking that count agrees with the unpaged list for the same filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from deployq.handlers.deployments import count_deployments, read_deployments
from deployq.messages.deployments import CountDeployments, Deployment, ListDeployments
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, read

Body = dict[str, Any]


def in_flows(*flow_ids: UUID) -> Body:
    return {"flows": {"id": {"any_": [str(i) for i in flow_ids]}}}


async def listed(db: Database, now: datetime, body: Body) -> list[Deployment]:
    page = await read(db, read_deployments, ListDeployments.model_validate(body), now=now)
    return page.items


async def query(db: Database, now: datetime, filters: Body) -> list[str]:
    """Names the filters select (default sort), after checking count agrees with the list."""
    items = await listed(db, now, filters)
    counted = await read(db, count_deployments, CountDeployments.model_validate(filters), now=now)
    assert counted.count == len(items)
    assert len({d.id for d in items}) == len(items), "a deployment was listed twice"
    return [d.name for d in items]


async def flow_with(db: Database, now: datetime, *names: str, **fields: Any) -> UUID:
    """A new flow holding deployments with these names (all given the same `fields`)."""
    flow = await make_flow(db, now)
    for name in names:
        await make_deployment(db, flow.id, now, name=name, **fields)
    return flow.id
