"""Free-form JSON nested deeper than DEPLOYQ_JSON_MAX_DEPTH is refused when decoded, so what is
stored can always be embedded in runs, replies and events (orjson writes at most 254 levels)."""

from __future__ import annotations

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import (
    DEPTH,
    Case,
    World,
    assert_refused,
    deep,
    interval,
    new_deployment,
    new_schedule,
    schedule_update,
)
from tests.support import unique

NESTED = f"nested deeper than {DEPTH} levels (DEPLOYQ_JSON_MAX_DEPTH)"


def too_deep_at(*prefix: str | int) -> list[str | int]:
    """Where a body nested one level beyond DEPTH is refused: the first container past it,
    for a `deep(...)` value placed at `prefix`."""
    return [*prefix, *["a"] * (DEPTH - len(prefix))]


CASES: dict[str, Case] = {
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
async def test_is_a_validation_error_naming_the_field(
    db: Database, world: World, case: Case
) -> None:
    await assert_refused(db, world, case)
