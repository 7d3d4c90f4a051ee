"""Text and lists PostgreSQL cannot take are refused when decoded: names longer than an index row
holds, NUL characters anywhere, filter lists with more items than a statement has parameters."""

from __future__ import annotations

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import Case, World, assert_refused, new_deployment
from tests.support import unique

CJK_1000 = "漢" * 1000  # 1,000 characters, 3,000 bytes: more than a btree index row holds
MANY = [f"n{i}" for i in range(40_000)]  # more bind parameters than PostgreSQL takes
INDEXED = "at most 2000 bytes"
NUL = "NUL"
LONG_LIST = "at most 1000 items"

CASES: dict[str, Case] = {
    # Text in btree-indexed columns: at most what an index row holds.
    "flow name 3000 bytes": Case("flow.create", lambda w: {"name": CJK_1000}, ["name"], INDEXED),
    "deployment name 3000 bytes": Case(
        "deployment.create",
        lambda w: {"flow_name": w.flow_name, "name": CJK_1000},
        ["name"],
        INDEXED,
    ),
    "pool name 3000 bytes": Case(
        "work_pool.create", lambda w: {"name": CJK_1000}, ["name"], INDEXED
    ),
    "queue name 3000 bytes": Case(
        "work_queue.create",
        lambda w: {"work_pool_name": w.pool, "name": CJK_1000},
        ["name"],
        INDEXED,
    ),
    "deployment work_queue_name 3000 bytes": Case(
        "deployment.create",
        lambda w: new_deployment(w, work_queue_name=CJK_1000),
        ["work_queue_name"],
        INDEXED,
    ),
    "deployment update work_queue_name 900 KB": Case(
        "deployment.update",
        lambda w: {"id": w.deployment_id, "work_queue_name": "x" * 900_000},
        ["work_queue_name"],
        "at most 1000 characters",
    ),
    # NUL: PostgreSQL text and jsonb cannot hold it, wherever it is.
    "NUL in a flow name": Case("flow.create", lambda w: {"name": "a\x00b"}, ["name"], NUL),
    "NUL in a description": Case(
        "deployment.create",
        lambda w: new_deployment(w, description="a\x00b"),
        ["description"],
        NUL,
    ),
    "NUL in a tag": Case(
        "deployment.create", lambda w: new_deployment(w, tags=["ok", "\x00"]), ["tags", 1], NUL
    ),
    "NUL in a label": Case(
        "flow.create",
        lambda w: {"name": unique("flow"), "labels": {"team": "\x00"}},
        ["labels", "team"],
        NUL,
    ),
    "NUL in a parameter key": Case(
        "deployment.create",
        lambda w: new_deployment(w, parameters={"x": {"a\x00": 1}}),
        ["parameters", "x", "a\x00"],
        NUL,
    ),
    "NUL in a queue filter tag": Case(
        "work_queue.update",
        lambda w: {"work_pool_name": w.pool, "name": w.queue, "filter": {"tags": ["\x00"]}},
        ["filter", "tags", 0],
        NUL,
    ),
    "NUL in a name read": Case(
        "work_queue.read",
        lambda w: {"work_pool_name": w.pool, "name": "\x00"},
        ["name"],
        NUL,
    ),
    "NUL in a like_ filter": Case(
        "deployment.list",
        lambda w: {"deployments": {"name": {"like_": "\x00"}}},
        ["deployments", "name", "like_"],
        NUL,
    ),
    # Filter lists: each item is a bind parameter, and PostgreSQL takes at most 32767.
    "40000 flow names in a filter": Case(
        "deployment.count",
        lambda w: {"flows": {"name": {"any_": MANY}}},
        ["flows", "name", "any_"],
        LONG_LIST,
    ),
    "40000 queue prefixes in a filter": Case(
        "work_queue.list",
        lambda w: {"work_pool_name": w.pool, "work_queues": {"name": {"startswith_": MANY}}},
        ["work_queues", "name", "startswith_"],
        LONG_LIST,
    ),
    "40000 state types": Case(
        "flow_run.list",
        lambda w: {"state_type": ["SCHEDULED"] * 40_000},
        ["state_type"],
        LONG_LIST,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_is_a_validation_error_naming_the_field(
    db: Database, world: World, case: Case
) -> None:
    await assert_refused(db, world, case)
