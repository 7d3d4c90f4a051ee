"""`deployment.list` and `deployment.count` filtered by the flows and the flow_runs groups (R55):
a deployment matches when its flow does, or when some run of its does, and is listed once."""

from __future__ import annotations

from datetime import datetime, timedelta

from deployq.storage.database import Database
from tests.integration.builders import insert_run, insert_task_run, make_deployment, make_flow
from tests.integration.queries_support import Body, flow_with, in_flows, query
from tests.support import unique

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
