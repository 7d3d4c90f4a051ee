"""Numbers out of bounds are refused when decoded: integers beyond their columns (int32, and
OFFSET's bigint), durations checked as numbers before a timedelta is built."""

from __future__ import annotations

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import (
    Case,
    World,
    assert_refused,
    interval,
    new_deployment,
    new_schedule,
    schedule_update,
)
from tests.support import unique

INT32_OVER = 2**31
INT64_OVER = 2**63
INT32 = "less than or equal to 2147483647"

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
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_is_a_validation_error_naming_the_field(
    db: Database, world: World, case: Case
) -> None:
    await assert_refused(db, world, case)
