"""`deployment.list` and `deployment.count` filtered by the deployments group (R55): ids, names,
`paused`, tags, work queue names, and the group operator."""

from __future__ import annotations

from datetime import datetime

import pytest

from deployq.messages.deployments import Deployment
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow
from tests.integration.queries_support import Body, flow_with, in_flows, listed, query
from tests.support import unique


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
