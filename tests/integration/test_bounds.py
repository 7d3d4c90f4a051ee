"""Every value is bounded where it enters: input the wire models could parse but the database or
the date maths cannot hold is a `validation_error` naming the field, never an exception in a
handler (which the worker would retry and finally answer `internal`).

Each command goes the worker's way: `decode`, then `execute` against PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
import pytest
import sqlalchemy as sa

from deployq.consumers.codec import Incoming, decode
from deployq.consumers.dispatch import error_answer, execute
from deployq.errors import DeployqError
from deployq.storage.database import Database
from tests.support import unique

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
BODY_LIMIT = 1024 * 1024
DEPTH = 32  # DEPLOYQ_JSON_MAX_DEPTH's default
INT32_OVER = 2**31
INT64_OVER = 2**63
CJK_1000 = "漢" * 1000  # 1,000 characters, 3,000 bytes: more than a btree index row holds
LATE = "9999-12-31T23:00:00Z"  # + 100 days leaves Python's datetime
LATE_WEST = "9999-12-31T23:00:00-14:00"  # year 10000 in UTC
EARLY_EAST = "0001-01-01T00:00:00+14:00"  # year 0 in UTC
MANY = [f"n{i}" for i in range(40_000)]  # more bind parameters than PostgreSQL takes


def deep(levels: int) -> orjson.Fragment:
    """A JSON object `levels` containers deep (`{"a": {"a": … {}}}`), written without orjson's
    own depth limit so bodies deeper than it can be sent."""
    return orjson.Fragment(b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1))


def too_deep_at(*prefix: str | int) -> list[str | int]:
    """Where a body nested one level beyond DEPTH is refused: the first container past it,
    for a `deep(...)` value placed at `prefix`."""
    return [*prefix, *["a"] * (DEPTH - len(prefix))]


@dataclass(frozen=True)
class World:
    flow_name: str
    deployment_id: str
    schedule_id: str
    pool: str
    queue: str


async def send(
    db: Database, command: str, body: dict[str, Any], *, depth: int = DEPTH
) -> dict[str, Any]:
    """One command the way the worker handles it; the reply body."""
    message = Incoming(orjson.dumps(body), command, message_id=uuid4().hex)
    try:
        decoded = decode(message, body_limit=BODY_LIMIT, json_max_depth=depth, now=NOW)
    except DeployqError as error:
        return orjson.loads(error_answer(error).body)  # type: ignore[no-any-return]
    answer = await execute(decoded, db, lambda: NOW)
    return orjson.loads(answer.body)  # type: ignore[no-any-return]


def ok(reply: dict[str, Any]) -> Any:
    assert reply["ok"] is True, str(reply)[:2000]
    return reply["result"]


@pytest.fixture(scope="module")
async def world(db: Database) -> World:
    flow_name, pool, queue = unique("flow"), unique("pool"), unique("queue")
    ok(await send(db, "flow.create", {"name": flow_name}))
    ok(await send(db, "work_pool.create", {"name": pool}))
    ok(await send(db, "work_queue.create", {"work_pool_name": pool, "name": queue}))
    dep = ok(
        await send(
            db,
            "deployment.create",
            {
                "flow_name": flow_name,
                "name": unique("dep"),
                "schedules": [{"schedule": {"interval": 3600}, "slug": "hourly"}],
            },
        )
    )
    return World(flow_name, dep["id"], dep["schedules"][0]["id"], pool, queue)


@dataclass(frozen=True)
class Case:
    command: str
    body: Callable[[World], dict[str, Any]]
    loc: list[str | int]
    words: str  # the message of the detail naming `loc` says this


def new_deployment(w: World, **fields: Any) -> dict[str, Any]:
    return {"flow_name": w.flow_name, "name": unique("dep"), **fields}


def new_schedule(w: World, **fields: Any) -> dict[str, Any]:
    return {"deployment_id": w.deployment_id, "schedules": [{**fields}]}


def schedule_update(w: World, **fields: Any) -> dict[str, Any]:
    return {"deployment_id": w.deployment_id, "schedule_id": w.schedule_id, **fields}


def interval(seconds: float, **fields: Any) -> dict[str, Any]:
    return {"schedule": {"interval": seconds, **fields}}


INT32 = "less than or equal to 2147483647"
INSTANTS = "between 0001-01-02T00:00:00Z and 9000-01-01T00:00:00Z"
INDEXED = "at most 2000 bytes"
NUL = "NUL"
NESTED = f"nested deeper than {DEPTH} levels (DEPLOYQ_JSON_MAX_DEPTH)"
LONG_LIST = "at most 1000 items"

CASES: dict[str, Case] = {
    # Integers into int32 columns; offsets into PostgreSQL's bigint OFFSET.
    "pool concurrency_limit 2^31": Case(
        "work_pool.create",
        lambda w: {"name": unique("pool"), "concurrency_limit": INT32_OVER},
        ["concurrency_limit"],
        INT32,
    ),
    "pool update concurrency_limit 2^63": Case(
        "work_pool.update",
        lambda w: {"name": w.pool, "concurrency_limit": INT64_OVER},
        ["concurrency_limit"],
        INT32,
    ),
    "queue concurrency_limit 2^31": Case(
        "work_queue.create",
        lambda w: {"work_pool_name": w.pool, "name": unique("q"), "concurrency_limit": INT32_OVER},
        ["concurrency_limit"],
        INT32,
    ),
    "queue priority 2^31": Case(
        "work_queue.create",
        lambda w: {"work_pool_name": w.pool, "name": unique("q"), "priority": INT32_OVER},
        ["priority"],
        INT32,
    ),
    "queue update priority 2^64-1": Case(
        "work_queue.update",
        lambda w: {"work_pool_name": w.pool, "name": w.queue, "priority": 2**64 - 1},
        ["priority"],
        INT32,
    ),
    "deployment concurrency_limit 2^31": Case(
        "deployment.create",
        lambda w: new_deployment(w, concurrency_limit=INT32_OVER),
        ["concurrency_limit"],
        INT32,
    ),
    "deployment update concurrency_limit 2^31": Case(
        "deployment.update",
        lambda w: {"id": w.deployment_id, "concurrency_limit": INT32_OVER},
        ["concurrency_limit"],
        INT32,
    ),
    "schedule max_active_runs 2^31": Case(
        "deployment.schedules.create",
        lambda w: new_schedule(w, **interval(60), max_active_runs=INT32_OVER),
        ["schedules", 0, "max_active_runs"],
        INT32,
    ),
    "schedule update max_active_runs 2^31": Case(
        "deployment.schedules.update",
        lambda w: schedule_update(w, max_active_runs=INT32_OVER),
        ["max_active_runs"],
        INT32,
    ),
    "deployment schedule max_active_runs 2^31": Case(
        "deployment.create",
        lambda w: new_deployment(w, schedules=[{**interval(60), "max_active_runs": INT32_OVER}]),
        ["schedules", 0, "max_active_runs"],
        INT32,
    ),
    "schedule_runs max_runs 2^31": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "max_runs": INT32_OVER},
        ["max_runs"],
        INT32,
    ),
    "schedule_runs min_runs 2^31": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "min_runs": INT32_OVER},
        ["min_runs"],
        INT32,
    ),
    "deployment.list offset 2^63": Case(
        "deployment.list", lambda w: {"offset": INT64_OVER}, ["offset"], "9223372036854775807"
    ),
    "flow_run.list offset 2^63": Case(
        "flow_run.list", lambda w: {"offset": INT64_OVER}, ["offset"], "9223372036854775807"
    ),
    "work_pool.list offset 2^64-1": Case(
        "work_pool.list", lambda w: {"offset": 2**64 - 1}, ["offset"], "9223372036854775807"
    ),
    "work_queue.list offset 2^63": Case(
        "work_queue.list",
        lambda w: {"work_pool_name": w.pool, "offset": INT64_OVER},
        ["offset"],
        "9223372036854775807",
    ),
    # Durations: checked as numbers before any timedelta is built.
    "interval -1e20": Case(
        "deployment.create",
        lambda w: new_deployment(w, schedules=[interval(-1e20)]),
        ["schedules", 0, "schedule", "interval"],
        "interval must be positive",
    ),
    "interval -1e308 in schedules.create": Case(
        "deployment.schedules.create",
        lambda w: new_schedule(w, **interval(-1e308)),
        ["schedules", 0, "schedule", "interval"],
        "interval must be positive",
    ),
    "interval -1e20 in schedules.update": Case(
        "deployment.schedules.update",
        lambda w: schedule_update(w, **interval(-1e20)),
        ["schedule", "interval"],
        "interval must be positive",
    ),
    "interval -1e20 in deployment.update": Case(
        "deployment.update",
        lambda w: {"id": w.deployment_id, "schedules": [interval(-1e20)]},
        ["schedules", 0, "schedule", "interval"],
        "interval must be positive",
    ),
    "min_time 1e20": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "min_time": 1e20},
        ["min_time"],
        "less than or equal to 3153600000",
    ),
    "min_time 2^64-1": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "min_time": 2**64 - 1},
        ["min_time"],
        "less than or equal to 3153600000",
    ),
    # Instants: inside what the date maths (and PostgreSQL) can hold.
    "start_time 9999-12-31": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "start_time": LATE},
        ["start_time"],
        INSTANTS,
    ),
    "end_time year 10000 in UTC": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "end_time": LATE_WEST},
        ["end_time"],
        INSTANTS,
    ),
    "start_time year 0 in UTC": Case(
        "deployment.schedule_runs",
        lambda w: {"deployment_id": w.deployment_id, "start_time": EARLY_EAST},
        ["start_time"],
        INSTANTS,
    ),
    "anchor_date year 0 in UTC": Case(
        "deployment.create",
        lambda w: new_deployment(w, schedules=[interval(60, anchor_date=EARLY_EAST)]),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date year 10000 in UTC, schedules.create": Case(
        "deployment.schedules.create",
        lambda w: new_schedule(w, **interval(60, anchor_date=LATE_WEST)),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date year 0 in UTC, schedules.update": Case(
        "deployment.schedules.update",
        lambda w: schedule_update(w, **interval(60, anchor_date=EARLY_EAST)),
        ["schedule", "anchor_date"],
        INSTANTS,
    ),
    "anchor_date at year 1 shown in New York": Case(
        "deployment.create",
        lambda w: new_deployment(
            w,
            schedules=[
                interval(60, anchor_date="0001-01-01T00:00:00Z", timezone="America/New_York")
            ],
        ),
        ["schedules", 0, "schedule", "anchor_date"],
        INSTANTS,
    ),
    "flow_run.list scheduled_after year 0 in UTC": Case(
        "flow_run.list", lambda w: {"scheduled_after": EARLY_EAST}, ["scheduled_after"], INSTANTS
    ),
    "flow_run.count scheduled_before year 10000 in UTC": Case(
        "flow_run.count",
        lambda w: {"scheduled_before": LATE_WEST},
        ["scheduled_before"],
        INSTANTS,
    ),
    "deployment.list expected_start_time filter": Case(
        "deployment.list",
        lambda w: {"flow_runs": {"expected_start_time": {"before_": LATE_WEST}}},
        ["flow_runs", "expected_start_time", "before_"],
        INSTANTS,
    ),
    "deployment.count task run start_time filter": Case(
        "deployment.count",
        lambda w: {"task_runs": {"start_time": {"after_": EARLY_EAST}}},
        ["task_runs", "start_time", "after_"],
        INSTANTS,
    ),
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
    # Free-form JSON: no deeper than DEPLOYQ_JSON_MAX_DEPTH, so it can always be stored and
    # embedded in runs, replies and events.
    "parameters 300 levels": Case(
        "deployment.create",
        lambda w: new_deployment(w, parameters=deep(300)),
        too_deep_at("parameters"),
        NESTED,
    ),
    "parameters 253 levels (stored, then every schedule_runs broke)": Case(
        "deployment.update",
        lambda w: {"id": w.deployment_id, "parameters": deep(253)},
        too_deep_at("parameters"),
        NESTED,
    ),
    "parameters one level too deep": Case(
        "deployment.create",
        lambda w: new_deployment(w, parameters=deep(DEPTH)),
        too_deep_at("parameters"),
        NESTED,
    ),
    "parameter_openapi_schema 1000 levels": Case(
        "deployment.create",
        lambda w: new_deployment(w, parameter_openapi_schema=deep(1000)),
        too_deep_at("parameter_openapi_schema"),
        NESTED,
    ),
    "job_variables 300 levels": Case(
        "deployment.update",
        lambda w: {"id": w.deployment_id, "job_variables": deep(300)},
        too_deep_at("job_variables"),
        NESTED,
    ),
    "pull_steps 254 levels": Case(
        "deployment.create",
        lambda w: new_deployment(w, pull_steps=[deep(254)]),
        too_deep_at("pull_steps", 0),
        NESTED,
    ),
    "base_job_template 300 levels": Case(
        "work_pool.create",
        lambda w: {"name": unique("pool"), "base_job_template": deep(300)},
        too_deep_at("base_job_template"),
        NESTED,
    ),
    "base_job_template update 300 levels": Case(
        "work_pool.update",
        lambda w: {"name": w.pool, "base_job_template": deep(300)},
        too_deep_at("base_job_template"),
        NESTED,
    ),
    "schedule parameters 253 levels": Case(
        "deployment.schedules.create",
        lambda w: new_schedule(w, **interval(60), parameters=deep(253)),
        too_deep_at("schedules", 0, "parameters"),
        NESTED,
    ),
    "schedule update parameters 300 levels": Case(
        "deployment.schedules.update",
        lambda w: schedule_update(w, parameters=deep(300)),
        too_deep_at("parameters"),
        NESTED,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_out_of_bounds_value_is_a_validation_error(
    db: Database, world: World, case: Case
) -> None:
    reply = await send(db, case.command, case.body(world))

    assert reply["ok"] is False, str(reply)[:500]
    error = reply["error"]
    assert error["code"] == "validation_error", error
    named = [d for d in error["details"] if d["loc"] == case.loc]
    assert named, error["details"]
    assert case.words in named[0]["msg"], named[0]
    assert not named[0]["msg"].startswith("Value error"), named[0]


# --- values at the bounds are accepted, and work ---------------------------------------------

INT32_MAX = 2**31 - 1
FIRST = "0001-01-02T00:00:00Z"
LAST = "9000-01-01T00:00:00Z"
CENTURY = 100 * 365 * 86400


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


SCHEDULES = [
    pytest.param({"interval": 1}, id="every-second"),
    pytest.param({"interval": 86400 * 1.5}, id="day-and-a-half"),
    pytest.param({"interval": CENTURY}, id="century"),
    pytest.param({"cron": "0 * * * *"}, id="cron-hourly"),
    pytest.param({"cron": "0 0 1 1 *"}, id="cron-yearly"),
    pytest.param({"rrule": "FREQ=HOURLY"}, id="rrule-hourly"),
    pytest.param({"rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"}, id="rrule-yearly"),
]
ZONES = ["UTC", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe"]


@pytest.mark.parametrize("shape", SCHEDULES)
@pytest.mark.parametrize("timezone", ZONES)
async def test_schedules_at_the_instant_bounds_run(
    db: Database, world: World, shape: dict[str, Any], timezone: str
) -> None:
    """Anchors and windows at both ends of the range, in zones far east and west and with DST:
    every command on them answers, none fails inside the date maths."""
    anchored = [{**shape, "timezone": timezone}]
    if "interval" in shape:
        anchored = [
            {**shape, "timezone": timezone, "anchor_date": FIRST},
            {**shape, "timezone": timezone, "anchor_date": LAST},
        ]
    dep = ok(
        await send(
            db,
            "deployment.create",
            new_deployment(world, schedules=[{"schedule": s} for s in anchored]),
        )
    )
    windows: list[dict[str, Any]] = [
        {"start_time": FIRST},
        {"start_time": FIRST, "end_time": LAST, "min_time": CENTURY, "max_runs": INT32_MAX},
        {"start_time": LAST},
        {"start_time": LAST, "min_time": CENTURY, "min_runs": INT32_MAX, "max_runs": INT32_MAX},
        {"start_time": LAST, "end_time": FIRST},
    ]
    for window in windows:
        ok(await send(db, "deployment.schedule_runs", {"deployment_id": dep["id"], **window}))
    ok(await send(db, "deployment.read", {"id": dep["id"]}))
    for bound in (FIRST, LAST):
        ok(await send(db, "flow_run.count", {"scheduled_after": bound, "scheduled_before": bound}))


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


# --- a stored value never breaks a later command ---------------------------------------------


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
    db: Database, world: World, depth: int
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


@pytest.mark.parametrize(
    ("anchor", "timezone"),
    [
        ("1850-01-01T00:00:00Z", "America/New_York"),  # local mean time, -04:56:02
        ("1970-01-01T00:00:00Z", "Africa/Monrovia"),  # -00:44:30 until 1972
        ("1930-06-01T00:00:00Z", "Europe/Amsterdam"),  # +01:19:32 until 1937
    ],
)
async def test_anchor_in_an_offset_with_seconds_is_kept_and_reads_back(
    db: Database, world: World, anchor: str, timezone: str
) -> None:
    """RFC 3339 offsets are whole minutes; such an anchor is written in UTC, the same instant,
    so it reads back, and sending it back changes nothing."""
    schedule = {"interval": 3600, "anchor_date": anchor, "timezone": timezone}
    dep = ok(
        await send(
            db, "deployment.create", new_deployment(world, schedules=[{"schedule": schedule}])
        )
    )

    stored = dep["schedules"][0]["schedule"]
    assert datetime.fromisoformat(stored["anchor_date"]) == datetime.fromisoformat(anchor)
    read = ok(await send(db, "deployment.read", {"id": dep["id"]}))
    assert read["schedules"][0]["schedule"] == stored
    again = ok(
        await send(
            db,
            "deployment.schedules.update",
            {
                "deployment_id": dep["id"],
                "schedule_id": dep["schedules"][0]["id"],
                "schedule": stored,
            },
        )
    )
    assert again == {"updated": True}
    read = ok(await send(db, "deployment.read", {"id": dep["id"]}))
    assert read["schedules"][0]["schedule"] == stored
    ok(await send(db, "deployment.schedule_runs", {"deployment_id": dep["id"]}))
