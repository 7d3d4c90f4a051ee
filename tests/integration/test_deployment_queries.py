"""deployment.list and deployment.count against PostgreSQL (R55).

Every query is scoped to the test's own flows (or a unique name), since the database is shared;
`query` checks that count agrees with the unpaged list for the same filters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from deployq.handlers.deployments import (
    count_deployments,
    create_deployment,
    read_deployments,
    update_deployment,
)
from deployq.messages.deployments import (
    CountDeployments,
    CreateDeployment,
    Deployment,
    ListDeployments,
    UpdateDeployment,
)
from deployq.messages.filters import DeploymentSort
from deployq.storage.database import Database
from tests.integration.builders import (
    insert_run,
    insert_task_run,
    insert_work_pool,
    make_deployment,
    make_flow,
    read,
    set_work_queue,
    write,
)
from tests.support import unique

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


# --- deployment group -----------------------------------------------------------------------


async def test_id_any_and_not_any(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    a, b, c = [await make_deployment(db, flow.id, now, name=n) for n in ("a", "b", "c")]
    scope = in_flows(flow.id)

    def ids(key: str, *chosen: Deployment) -> Body:
        return {**scope, "deployments": {"id": {key: [str(d.id) for d in chosen]}}}

    assert await query(db, now, ids("any_", a, c)) == ["a", "c"]
    assert await query(db, now, ids("not_any_", a, c)) == ["b"]
    assert await query(db, now, ids("any_")) == []
    assert await query(db, now, ids("not_any_")) == ["a", "b", "c"]
    assert await query(db, now, scope) == ["a", "b", "c"]
    both = {**scope, "deployments": {"id": {"any_": [str(a.id), str(b.id)],
                                            "not_any_": [str(b.id)]}}}  # fmt: skip
    assert await query(db, now, both) == ["a"]


async def test_name_any_is_exact(db: Database, now: datetime) -> None:
    flow_id = await flow_with(db, now, "alpha", "Alpha", "alphabet", "beta")
    body = {**in_flows(flow_id), "deployments": {"name": {"any_": ["alpha", "beta"]}}}

    assert await query(db, now, body) == ["alpha", "beta"]


async def test_name_like_is_a_case_insensitive_substring(db: Database, now: datetime) -> None:
    flow_id = await flow_with(db, now, "a-Nightly-ETL", "b-etl-hourly", "c-report", "d-xEtLx")
    body = {**in_flows(flow_id), "deployments": {"name": {"like_": "eTl"}}}

    assert await query(db, now, body) == ["a-Nightly-ETL", "b-etl-hourly", "d-xEtLx"]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("50%", ["sale-50%-off"]),
        ("a_b", ["a_b"]),
        ("%", ["sale-50%-off"]),
        ("_", ["a_b"]),
        ("\\", ["back\\slash"]),
    ],
)
async def test_name_like_takes_wildcards_literally(
    db: Database, now: datetime, fragment: str, expected: list[str]
) -> None:
    flow_id = await flow_with(db, now, "sale-50%-off", "sale-50x-off", "a_b", "axb", "back\\slash")
    body = {**in_flows(flow_id), "deployments": {"name": {"like_": fragment}}}

    assert await query(db, now, body) == expected


async def test_flow_or_deployment_name_like(db: Database, now: datetime) -> None:
    marker = unique("Zebra")
    striped = await make_flow(db, now, name=f"{marker}-flow")
    plain = await make_flow(db, now)
    await make_deployment(db, striped.id, now, name="in-striped-flow")
    await make_deployment(db, plain.id, now, name=f"named-{marker.lower()}")
    await make_deployment(db, plain.id, now, name="unrelated")
    body = {
        **in_flows(striped.id, plain.id),
        "deployments": {"flow_or_deployment_name": {"like_": marker.upper()}},
    }

    assert await query(db, now, body) == ["in-striped-flow", f"named-{marker.lower()}"]


async def test_flow_or_deployment_name_like_is_literal(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now, name=unique("under_score"))
    await make_deployment(db, flow.id, now, name="d")
    other = await make_flow(db, now, name=unique("underXscore"))
    await make_deployment(db, other.id, now, name="e")
    body = {
        **in_flows(flow.id, other.id),
        "deployments": {"flow_or_deployment_name": {"like_": "under_score"}},
    }

    assert await query(db, now, body) == ["d"]


async def test_paused_eq(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    await make_deployment(db, flow.id, now, name="running")
    await make_deployment(db, flow.id, now, name="stopped", paused=True)
    scope = in_flows(flow.id)

    assert await query(db, now, {**scope, "deployments": {"paused": {"eq_": True}}}) == ["stopped"]
    assert await query(db, now, {**scope, "deployments": {"paused": {"eq_": False}}}) == ["running"]
    assert await query(db, now, {**scope, "deployments": {"paused": {}}}) == [
        "running",
        "stopped",
    ]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"all_": ["a", "b"]}, ["ab"]),
        ({"all_": ["a"]}, ["a", "ab"]),
        ({"all_": []}, ["a", "ab", "c", "none"]),
        ({"any_": ["b", "c"]}, ["ab", "c"]),
        ({"any_": ["zzz"]}, []),
        ({"is_null_": True}, ["none"]),
        ({"is_null_": False}, ["a", "ab", "c"]),
        ({"all_": ["a"], "is_null_": False}, ["a", "ab"]),
        ({"operator": "or_", "all_": ["a", "b"], "is_null_": True}, ["ab", "none"]),
    ],
)
async def test_tags(db: Database, now: datetime, tags: Body, expected: list[str]) -> None:
    flow = await make_flow(db, now)
    for name, given in {"ab": ["a", "b"], "a": ["a"], "c": ["c"], "none": []}.items():
        await make_deployment(db, flow.id, now, name=name, tags=given)
    body = {**in_flows(flow.id), "deployments": {"tags": tags}}

    assert await query(db, now, body) == expected


async def test_work_queue_name_any(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    await make_deployment(db, flow.id, now, name="a", work_queue_name="fast")
    await make_deployment(db, flow.id, now, name="b", work_queue_name="slow")
    await make_deployment(db, flow.id, now, name="c")
    scope = in_flows(flow.id)

    def queues(*names: str) -> Body:
        return {**scope, "deployments": {"work_queue_name": {"any_": list(names)}}}

    assert await query(db, now, queues("fast")) == ["a"]
    assert await query(db, now, queues("fast", "slow")) == ["a", "b"]
    assert await query(db, now, queues("FAST")) == []


async def test_group_operator_and_vs_or(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    await make_deployment(db, flow.id, now, name="named")
    await make_deployment(db, flow.id, now, name="paused", paused=True)
    await make_deployment(db, flow.id, now, name="neither")
    criteria = {"name": {"any_": ["named"]}, "paused": {"eq_": True}}
    scope = in_flows(flow.id)

    assert await query(db, now, {**scope, "deployments": criteria}) == []
    assert await query(db, now, {**scope, "deployments": {**criteria, "operator": "and_"}}) == []
    assert await query(db, now, {**scope, "deployments": {**criteria, "operator": "or_"}}) == [
        "named",
        "paused",
    ]


async def test_or_inside_a_group_does_not_leak_out_of_it(db: Database, now: datetime) -> None:
    """Groups combine with AND: an `or_` deployment group stays within the flows group."""
    mine = await make_flow(db, now)
    theirs = await make_flow(db, now)
    name = unique("shared")
    await make_deployment(db, mine.id, now, name=name)
    await make_deployment(db, theirs.id, now, name=name)
    body = {
        **in_flows(mine.id),
        "deployments": {"operator": "or_", "name": {"any_": [name]}, "paused": {"eq_": True}},
    }

    items = await listed(db, now, body)
    assert [d.flow_id for d in items] == [mine.id]


async def test_name_any_and_like_combine_with_the_group_operator(
    db: Database, now: datetime
) -> None:
    flow_id = await flow_with(db, now, "abc", "abd", "xyz")
    scope = in_flows(flow_id)
    name = {"any_": ["abc", "xyz"], "like_": "ab"}

    assert await query(db, now, {**scope, "deployments": {"name": name}}) == ["abc"]
    assert await query(db, now, {**scope, "deployments": {"name": name, "operator": "or_"}}) == [
        "abc",
        "abd",
        "xyz",
    ]


# --- flows group ----------------------------------------------------------------------------


async def test_flows_group(db: Database, now: datetime) -> None:
    prefix = unique("fl")
    tagged = await make_flow(db, now, name=f"{prefix}-Tagged", tags=["prod", "etl"])
    other = await make_flow(db, now, name=f"{prefix}-other", tags=["dev"])
    bare = await make_flow(db, now, name=f"{prefix}-bare")
    names = {tagged.id: f"{prefix}-t", other.id: f"{prefix}-o", bare.id: f"{prefix}-b"}
    for flow_id, name in names.items():
        await make_deployment(db, flow_id, now, name=name)
    in_tagged, in_other, in_bare = names[tagged.id], names[other.id], names[bare.id]
    scope = {"deployments": {"name": {"like_": prefix}}}

    def flows(spec: Body) -> Body:
        return {**scope, "flows": spec}

    assert await query(db, now, scope) == sorted(names.values())
    assert await query(db, now, flows({"id": {"any_": [str(tagged.id)]}})) == [in_tagged]
    assert await query(db, now, flows({"id": {"not_any_": [str(tagged.id)]}})) == sorted(
        [in_other, in_bare]
    )
    assert await query(db, now, flows({"name": {"any_": [other.name]}})) == [in_other]
    assert await query(db, now, flows({"name": {"like_": "tAGGED"}})) == [in_tagged]
    assert await query(db, now, flows({"tags": {"all_": ["prod", "etl"]}})) == [in_tagged]
    assert await query(db, now, flows({"tags": {"all_": ["prod", "dev"]}})) == []
    assert await query(db, now, flows({"tags": {"any_": ["dev", "etl"]}})) == sorted(
        [in_tagged, in_other]
    )
    assert await query(db, now, flows({"tags": {"is_null_": True}})) == [in_bare]
    assert await query(db, now, flows({"tags": {"is_null_": False}})) == sorted(
        [in_tagged, in_other]
    )
    either = {"operator": "or_", "name": {"any_": [bare.name]}, "tags": {"any_": ["dev"]}}
    assert await query(db, now, flows(either)) == sorted([in_other, in_bare])
    both = {"name": {"any_": [bare.name]}, "tags": {"any_": ["dev"]}}
    assert await query(db, now, flows(both)) == []


async def test_flows_group_alone_scopes_to_the_flow(db: Database, now: datetime) -> None:
    flow_id = await flow_with(db, now, "x", "y")
    await flow_with(db, now, "x")

    assert await query(db, now, in_flows(flow_id)) == ["x", "y"]


# --- flow_runs group ------------------------------------------------------------------------


async def test_flow_runs_match_if_some_run_matches_never_duplicated(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    many = await make_deployment(db, flow.id, now, name="many")
    done = await make_deployment(db, flow.id, now, name="done")
    await make_deployment(db, flow.id, now, name="none")
    for hours in range(1, 6):
        await insert_run(
            db, flow_id=flow.id, deployment_id=many.id, start=now + timedelta(hours=hours)
        )
    await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=many.id,
        start=now - timedelta(days=1),
        state_type="COMPLETED",
        state_name="Completed",
    )
    await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=done.id,
        start=now - timedelta(days=1),
        state_type="COMPLETED",
        state_name="Completed",
    )
    scope = in_flows(flow.id)

    def runs(spec: Body) -> Body:
        return {**scope, "flow_runs": spec}

    assert await query(db, now, runs({})) == ["done", "many"]
    assert await query(db, now, runs({"state": {"type": {"any_": ["SCHEDULED"]}}})) == ["many"]
    assert await query(db, now, runs({"state": {"type": {"any_": ["COMPLETED"]}}})) == [
        "done",
        "many",
    ]
    assert await query(db, now, runs({"state": {"type": {"not_any_": ["COMPLETED"]}}})) == ["many"]
    assert await query(db, now, runs({"state": {"name": {"any_": ["Completed"]}}})) == [
        "done",
        "many",
    ]
    assert await query(db, now, runs({"state": {"name": {"any_": ["Late"]}}})) == []


async def test_flow_runs_state_operator(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    late = await make_deployment(db, flow.id, now, name="late")
    pending = await make_deployment(db, flow.id, now, name="pending")
    await insert_run(db, flow_id=flow.id, deployment_id=late.id, start=now, state_name="Late")
    await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=pending.id,
        start=now,
        state_type="PENDING",
        state_name="Pending",
    )
    scope = in_flows(flow.id)
    state = {"type": {"any_": ["SCHEDULED"]}, "name": {"any_": ["Pending"]}}

    assert await query(db, now, {**scope, "flow_runs": {"state": state}}) == []
    assert await query(
        db, now, {**scope, "flow_runs": {"state": {**state, "operator": "or_"}}}
    ) == ["late", "pending"]


async def test_flow_runs_expected_start_time(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    early = await make_deployment(db, flow.id, now, name="early")
    late = await make_deployment(db, flow.id, now, name="late")
    for hours in (1, 2):
        await insert_run(
            db, flow_id=flow.id, deployment_id=early.id, start=now + timedelta(hours=hours)
        )
    await insert_run(db, flow_id=flow.id, deployment_id=late.id, start=now + timedelta(days=3))
    scope = in_flows(flow.id)

    def between(**bounds: datetime) -> Body:
        window = {k: v.isoformat() for k, v in bounds.items()}
        return {**scope, "flow_runs": {"expected_start_time": window}}

    assert await query(db, now, between(before_=now + timedelta(days=1))) == ["early"]
    assert await query(db, now, between(after_=now + timedelta(days=1))) == ["late"]
    assert await query(db, now, between(after_=now + timedelta(hours=2))) == ["early", "late"]
    assert await query(db, now, between(before_=now + timedelta(hours=1))) == ["early"]
    assert (
        await query(
            db, now, between(after_=now + timedelta(hours=3), before_=now + timedelta(days=2))
        )
        == []
    )


async def test_flow_runs_group_operator(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    done = await make_deployment(db, flow.id, now, name="done")
    soon = await make_deployment(db, flow.id, now, name="soon")
    await make_deployment(db, flow.id, now, name="idle")
    await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=done.id,
        start=now - timedelta(days=2),
        state_type="COMPLETED",
        state_name="Completed",
    )
    await insert_run(db, flow_id=flow.id, deployment_id=soon.id, start=now + timedelta(hours=1))
    criteria = {
        "state": {"type": {"any_": ["COMPLETED"]}},
        "expected_start_time": {"after_": now.isoformat()},
    }
    scope = in_flows(flow.id)

    assert await query(db, now, {**scope, "flow_runs": criteria}) == []
    assert await query(db, now, {**scope, "flow_runs": {**criteria, "operator": "or_"}}) == [
        "done",
        "soon",
    ]


async def test_flow_runs_and_task_runs_together_need_one_run_matching_both(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    split = await make_deployment(db, flow.id, now, name="split")
    whole = await make_deployment(db, flow.id, now, name="whole")
    await insert_run(db, flow_id=flow.id, deployment_id=split.id, start=now)
    completed = await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=split.id,
        start=now,
        state_type="COMPLETED",
        state_name="Completed",
    )
    await insert_task_run(db, flow_run_id=completed, name="load")
    both = await insert_run(db, flow_id=flow.id, deployment_id=whole.id, start=now)
    await insert_task_run(db, flow_run_id=both, name="load")
    body = {
        **in_flows(flow.id),
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        "task_runs": {"name": {"any_": ["load"]}},
    }

    assert await query(db, now, body) == ["whole"]


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


# --- sorting --------------------------------------------------------------------------------


async def _sortable(db: Database, now: datetime) -> tuple[list[Deployment], Body]:
    """Deployments with ties in name, in created and in updated, spread over two flows."""
    one, two = await make_flow(db, now), await make_flow(db, now)
    t = [now + timedelta(minutes=m) for m in range(4)]
    plan = [  # flow, name, created at
        (one, "b", t[0]),
        (two, "b", t[0]),
        (one, "a", t[1]),
        (two, "a", t[0]),
        (one, "c", t[1]),
        (two, "d", t[2]),
    ]
    made = {}
    for flow, name, at in plan:
        command = CreateDeployment(name=name, flow_id=flow.id)
        made[(flow.id, name)] = await write(db, create_deployment, command, now=at)
    for key, at in [((one.id, "a"), t[3]), ((two.id, "d"), t[3]), ((two.id, "b"), t[2])]:
        await write(db, update_deployment, UpdateDeployment(id=made[key].id), now=at)
    items = await listed(db, now, in_flows(one.id, two.id))
    assert len(items) == len(plan)
    return items, in_flows(one.id, two.id)


def _expected(items: list[Deployment], sort: DeploymentSort) -> list[UUID]:
    """The order R55 asks for: the sort key, then id ascending (Python's sort is stable)."""
    by_id = sorted(items, key=lambda d: d.id)
    if sort is DeploymentSort.NAME_ASC:
        ordered = sorted(by_id, key=lambda d: d.name)
    elif sort is DeploymentSort.NAME_DESC:
        ordered = sorted(by_id, key=lambda d: d.name, reverse=True)
    elif sort is DeploymentSort.CREATED_DESC:
        ordered = sorted(by_id, key=lambda d: d.created, reverse=True)
    else:
        ordered = sorted(by_id, key=lambda d: d.updated, reverse=True)
    return [d.id for d in ordered]


@pytest.mark.parametrize("sort", list(DeploymentSort))
async def test_sort_breaks_ties_by_id(db: Database, now: datetime, sort: DeploymentSort) -> None:
    items, scope = await _sortable(db, now)

    ordered = await listed(db, now, {**scope, "sort": sort.value})

    assert [d.id for d in ordered] == _expected(items, sort)


async def test_sort_defaults_to_name_ascending(db: Database, now: datetime) -> None:
    items, scope = await _sortable(db, now)

    assert [d.id for d in items] == _expected(items, DeploymentSort.NAME_ASC)
    assert ListDeployments().sort == DeploymentSort.NAME_ASC
    assert [d.name for d in items] == ["a", "a", "b", "b", "c", "d"]
    _ = scope


async def test_sort_ties_exist_in_the_fixture(db: Database, now: datetime) -> None:
    """Guards `_sortable`: each sort key really has ties for the id to break."""
    items, _ = await _sortable(db, now)

    assert len({d.name for d in items}) < len(items)
    assert len({d.created for d in items}) < len(items)
    assert len({d.updated for d in items}) < len(items)


def test_unknown_sort_is_refused() -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate({"sort": "NAME"})


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", list(DeploymentSort))
async def test_paging_is_stable_and_complete(
    db: Database, now: datetime, sort: DeploymentSort
) -> None:
    one, two = await make_flow(db, now), await make_flow(db, now)
    async with db.transaction() as uow:  # one `now` for all: created and updated all tie
        for flow_id in (one.id, two.id):  # the same names in both flows: names tie too
            for n in range(6):
                command = CreateDeployment(name=f"d{n}", flow_id=flow_id)
                await create_deployment(command, uow, now=now)
        await uow.commit()
    scope = {**in_flows(one.id, two.id), "sort": sort.value}
    whole = [d.id for d in await listed(db, now, scope)]
    assert len(whole) == 12
    assert whole == _expected(await listed(db, now, scope), sort)

    for size in (1, 5, 12):
        pages = [
            [d.id for d in await listed(db, now, {**scope, "offset": offset, "limit": size})]
            for offset in range(0, 12, size)
        ]
        assert all(len(page) == size for page in pages[:-1])
        assert [i for page in pages for i in page] == whole
    assert await listed(db, now, {**scope, "offset": 12}) == []
    assert await listed(db, now, {**scope, "offset": 50, "limit": 5}) == []
    assert await listed(db, now, {**scope, "limit": 0}) == []


async def test_page_echoes_offset_and_limit(db: Database, now: datetime) -> None:
    flow_id = await flow_with(db, now, "a", "b", "c")
    command = ListDeployments.model_validate({**in_flows(flow_id), "offset": 1, "limit": 1})

    page = await read(db, read_deployments, command, now=now)

    assert (page.offset, page.limit) == (1, 1)
    assert [d.name for d in page.items] == ["b"]


async def test_limit_defaults_to_200(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    async with db.transaction() as uow:
        for n in range(201):
            await create_deployment(
                CreateDeployment(name=f"d{n:03}", flow_id=flow.id), uow, now=now
            )
        await uow.commit()
    scope = in_flows(flow.id)

    page = await read(db, read_deployments, ListDeployments.model_validate(scope), now=now)
    counted = await read(db, count_deployments, CountDeployments.model_validate(scope), now=now)

    assert page.limit == 200
    assert len(page.items) == 200
    assert page.items[-1].name == "d199"
    assert counted.count == 201
    rest = await listed(db, now, {**scope, "offset": 200})
    assert [d.name for d in rest] == ["d200"]


@pytest.mark.parametrize(
    "paging", [{"limit": 201}, {"limit": -1}, {"offset": -1}, {"limit": "many"}]
)
def test_paging_out_of_range_is_refused(paging: Body) -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate(paging)


def test_limit_200_is_accepted() -> None:
    assert ListDeployments.model_validate({"limit": 200}).limit == 200


@pytest.mark.parametrize("key", ["sort", "offset", "limit"])
def test_count_takes_no_paging(key: str) -> None:
    with pytest.raises(ValidationError):
        CountDeployments.model_validate({key: 1})


def test_unknown_filter_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        ListDeployments.model_validate({"deployments": {"name": {"ilike_": "x"}}})


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
