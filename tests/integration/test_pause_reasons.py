"""`paused_at` and `paused_reason` (CONTRACT §8) on every path that pauses or resumes: pause,
resume, update, create and its upsert, and the one-statement create."""

from __future__ import annotations

from datetime import timedelta

from deployq.handlers.deployments import pause_deployment, resume_deployment
from deployq.messages.deployments import Deployment, PauseDeployment, ResumeDeployment
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, write
from tests.integration.controls_support import events
from tests.integration.deployments_support import reread, update
from tests.integration.runs_support import NOW

LATER = NOW + timedelta(minutes=5)
LATEST = NOW + timedelta(minutes=10)


async def _deployment(db: Database, **fields: object) -> Deployment:
    flow = await make_flow(db, NOW)
    return await make_deployment(db, flow.id, NOW, **fields)


async def test_a_running_deployment_has_neither(db: Database) -> None:
    dep = await _deployment(db)

    assert (dep.paused_at, dep.paused_reason) == (None, None)


async def test_pause_records_when_and_why(db: Database) -> None:
    dep = await _deployment(db)

    paused = await write(
        db, pause_deployment, PauseDeployment(id=dep.id, reason="migration"), now=LATER
    )

    assert (paused.paused, paused.paused_at, paused.paused_reason) == (True, LATER, "migration")
    assert await reread(db, dep.id, LATER) == paused


async def test_pausing_again_keeps_the_time_and_replaces_only_a_given_reason(
    db: Database,
) -> None:
    dep = await _deployment(db)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="first"), now=LATER)

    silent = await write(db, pause_deployment, PauseDeployment(id=dep.id), now=LATEST)
    given = await write(
        db, pause_deployment, PauseDeployment(id=dep.id, reason="second"), now=LATEST
    )

    assert (silent.paused_at, silent.paused_reason) == (LATER, "first")
    assert (given.paused_at, given.paused_reason) == (LATER, "second")


async def test_pause_without_reason_has_a_null_reason(db: Database) -> None:
    dep = await _deployment(db)

    paused = await write(db, pause_deployment, PauseDeployment(id=dep.id), now=LATER)

    assert (paused.paused_at, paused.paused_reason) == (LATER, None)


async def test_resume_clears_both(db: Database) -> None:
    dep = await _deployment(db)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="x"), now=LATER)

    resumed = await write(db, resume_deployment, ResumeDeployment(id=dep.id), now=LATEST)

    assert (resumed.paused, resumed.paused_at, resumed.paused_reason) == (False, None, None)


async def test_update_paused_true_pauses_a_running_one_with_a_null_reason(db: Database) -> None:
    dep = await _deployment(db)

    paused = await update(db, LATER, id=dep.id, paused=True)

    assert (paused.paused, paused.paused_at, paused.paused_reason) == (True, LATER, None)


async def test_update_paused_true_changes_neither_field_of_a_paused_one(db: Database) -> None:
    dep = await _deployment(db)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="why"), now=LATER)

    again = await update(db, LATEST, id=dep.id, paused=True)
    with_schedules = await update(db, LATEST, id=dep.id, paused=True, schedules=[])

    assert (again.paused_at, again.paused_reason) == (LATER, "why")
    assert (with_schedules.paused_at, with_schedules.paused_reason) == (LATER, "why")


async def test_update_paused_false_clears_both(db: Database) -> None:
    dep = await _deployment(db)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="why"), now=LATER)

    resumed = await update(db, LATEST, id=dep.id, paused=False, schedules=[])

    assert (resumed.paused, resumed.paused_at, resumed.paused_reason) == (False, None, None)


async def test_an_update_without_paused_leaves_both(db: Database) -> None:
    dep = await _deployment(db)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="why"), now=LATER)

    changed = await update(db, LATEST, id=dep.id, description="d")

    assert (changed.paused_at, changed.paused_reason) == (LATER, "why")


async def test_created_paused_was_paused_at_creation(db: Database) -> None:
    by_name = await make_flow(db, NOW)
    fast = await _deployment(db, paused=True)  # the one-statement path (flow by id)
    general = await make_deployment(db, by_name.id, NOW, paused=True, work_queue_name="q")

    assert (fast.paused_at, fast.paused_reason) == (NOW, None)
    assert (general.paused_at, general.paused_reason) == (NOW, None)


async def test_upsert_in_place_follows_the_update_rules(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="why"), now=LATER)

    kept = await make_deployment(db, flow.id, LATEST, name=dep.name, paused=True)
    untouched = await make_deployment(db, flow.id, LATEST, name=dep.name)
    cleared = await make_deployment(db, flow.id, LATEST, name=dep.name, paused=False)
    repaused = await make_deployment(db, flow.id, LATEST, name=dep.name, paused=True)

    assert (kept.paused_at, kept.paused_reason) == (LATER, "why")
    assert (untouched.paused_at, untouched.paused_reason) == (LATER, "why")
    assert (cleared.paused_at, cleared.paused_reason) == (None, None)
    assert (repaused.paused_at, repaused.paused_reason) == (LATEST, None)


async def test_events_carry_both_fields(db: Database) -> None:
    dep = await _deployment(db)

    await write(db, pause_deployment, PauseDeployment(id=dep.id, reason="audit"), now=LATER)

    last = (await events(db, "deployment.updated"))[-1]
    mine = [e for e in await events(db, "deployment.updated") if e["subject"] == str(dep.id)]
    assert mine[-1]["data"]["paused_reason"] == "audit"
    assert mine[-1]["data"]["paused_at"] == LATER.isoformat().replace("+00:00", "Z")
    assert "paused_at" in last["data"]
