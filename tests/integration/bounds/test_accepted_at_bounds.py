"""Values exactly at their bounds are accepted and work: integers, offsets, names, and filter
lists, all of them full at once."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import (
    BODY_LIMIT,
    INT32_MAX,
    World,
    interval,
    new_deployment,
    send,
)
from tests.support import ok, unique


async def test_integers_at_their_bounds_are_stored(db: Database, world: World) -> None:
    pool = ok(
        await send(db, "work_pool.create", {"name": unique("pool"), "concurrency_limit": INT32_MAX})
    )
    queue = ok(
        await send(
            db,
            "work_queue.create",
            {
                "work_pool_name": pool["name"],
                "name": unique("q"),
                "concurrency_limit": INT32_MAX,
                "priority": INT32_MAX,
            },
        )
    )
    dep = ok(
        await send(
            db,
            "deployment.create",
            new_deployment(
                world,
                concurrency_limit=INT32_MAX,
                schedules=[{**interval(60), "max_active_runs": INT32_MAX}],
            ),
        )
    )

    assert pool["concurrency_limit"] == INT32_MAX
    assert (queue["concurrency_limit"], queue["priority"]) == (INT32_MAX, INT32_MAX)
    assert dep["concurrency_limit"] == INT32_MAX
    assert dep["schedules"][0]["max_active_runs"] == INT32_MAX
    for command, body in [
        ("deployment.list", {"offset": 2**63 - 1}),
        ("flow_run.list", {"offset": 2**63 - 1}),
        ("work_pool.list", {"offset": 2**63 - 1}),
        ("work_queue.list", {"work_pool_name": pool["name"], "offset": 2**63 - 1}),
    ]:
        assert ok(await send(db, command, body))["items"] == []


async def test_text_and_lists_at_their_bounds_are_stored(db: Database, world: World) -> None:
    longest = "x" * 1000
    widest = "漢" * 666  # 1,998 bytes
    for name in (longest, widest):
        ok(await send(db, "flow.create", {"name": name}))
        pool = ok(await send(db, "work_pool.create", {"name": name}))
        ok(await send(db, "work_queue.create", {"work_pool_name": pool["name"], "name": name}))
        ok(
            await send(
                db,
                "deployment.create",
                {"flow_name": name, "name": name, "work_queue_name": name, "work_pool_name": name},
            )
        )
    names = [f"n{i}" for i in range(1000)]
    assert ok(await send(db, "deployment.count", {"flows": {"name": {"any_": names}}})) == {
        "count": 0
    }
    ok(
        await send(
            db,
            "work_queue.list",
            {"work_pool_name": world.pool, "work_queues": {"name": {"startswith_": names}}},
        )
    )


def every_filter_list_full() -> dict[str, Any]:
    """`deployment.list`'s filters with every list at its limit: each item a bind parameter."""
    ids = [str(uuid4()) for _ in range(1000)]
    names = [f"n{i}" for i in range(1000)]
    states = ["SCHEDULED"] * 1000
    return {
        "flows": {"id": {"any_": ids, "not_any_": ids}, "name": {"any_": names}},
        "flow_runs": {
            "id": {"any_": ids, "not_any_": ids},
            "name": {"any_": names},
            "deployment_id": {"any_": ids},
            "state": {
                "type": {"any_": states, "not_any_": states},
                "name": {"any_": names, "not_any_": names},
            },
            "work_queue_name": {"any_": names},
        },
        "task_runs": {
            "id": {"any_": ids, "not_any_": ids},
            "name": {"any_": names},
            "state": {
                "type": {"any_": states, "not_any_": states},
                "name": {"any_": names, "not_any_": names},
            },
        },
        "deployments": {
            "id": {"any_": ids, "not_any_": ids},
            "name": {"any_": names},
            "work_queue_name": {"any_": names},
            "tags": {"all_": names, "any_": names},
        },
        "work_pools": {"id": {"any_": ids}, "name": {"any_": names}, "type": {"any_": names}},
        "work_queues": {"id": {"any_": ids}, "name": {"any_": names, "startswith_": names}},
    }


@pytest.mark.parametrize("command", ["deployment.list", "deployment.count"])
async def test_every_filter_list_at_its_limit_at_once_still_runs(
    db: Database, command: str
) -> None:
    body = every_filter_list_full()
    assert len(orjson.dumps(body)) < BODY_LIMIT

    ok(await send(db, command, body))
