"""CONTRACT §8's commands over AMQP: their replies, their refusals, and exactly the events they
publish (none for a preview or an idempotent repeat)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deployq.settings import Settings
from tests.e2e.controls import deployment, every, settled, soon
from tests.e2e.wire import Wire
from tests.subscriber import Subscriber, subscribed
from tests.support import ok, refused

CREATED, UPDATED = "deployq.deployment.created", "deployq.deployment.updated"
RUN_CREATED, RUN_DELETED = "deployq.flow_run.created", "deployq.flow_run.deleted"


@pytest.fixture
async def subscriber(wire: Wire, settings: Settings) -> AsyncIterator[Subscriber]:
    async with subscribed(settings.amqp_url, settings.namespace) as found:
        yield found


async def test_preview_answers_and_publishes_nothing(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    anchor = soon()
    dep = await deployment(wire, flow, schedules=[every(3600, anchor)])
    schedule_id = dep["schedules"][0]["id"]

    shown = ok(
        await wire.call("deployment.schedules.preview", {"deployment_id": dep["id"], "n": 3})
    )
    alone = ok(
        await wire.call(
            "deployment.schedules.preview",
            {"schedule": {"cron": "0 9 * * *", "timezone": "Asia/Tokyo"}, "n": 1},
        )
    )

    assert [i["schedule_id"] for i in shown["items"]] == [schedule_id] * 3
    times = [datetime.fromisoformat(i["scheduled_time"]) for i in shown["items"]]
    assert times == [anchor + k * timedelta(hours=1) for k in range(3)]
    assert alone["items"][0]["schedule_id"] is None
    assert alone["items"][0]["scheduled_time"].endswith("T09:00:00+09:00")
    assert await settled(wire, subscriber, dep["id"]) == [(CREATED, dep["id"])]


@pytest.mark.parametrize(
    ("body", "code", "loc"),
    [
        ({"deployment_id": str(uuid.uuid4())}, "not_found", None),
        ({}, "validation_error", []),
        ({"schedule": {"cron": "0 25 * * *"}}, "validation_error", ["schedule", "cron"]),
        ({"schedule": {"interval": 60}, "n": 1001}, "validation_error", ["n"]),
        ({"schedule": {"interval": 60}, "when": 1}, "validation_error", ["when"]),
    ],
)
async def test_preview_refusals(
    wire: Wire, body: dict[str, Any], code: str, loc: list[Any] | None
) -> None:
    failure = refused(await wire.call("deployment.schedules.preview", body), code)

    if loc is not None:
        assert failure["details"][0]["loc"] == loc


async def test_manual_run_is_announced_once_and_its_repeat_not_at_all(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    dep = await deployment(wire, flow, parameters={"a": 1}, tags=["prod"])
    body = {"deployment_id": dep["id"], "parameters": {"b": 2}, "idempotency_key": "rerun-1"}

    run = ok(await wire.write("flow_run.create", body))
    again = ok(await wire.write("flow_run.create", {**body, "parameters": {"b": 3}}))

    assert again == run
    assert (run["parameters"], run["tags"], run["auto_scheduled"]) == (
        {"a": 1, "b": 2},
        ["prod"],
        False,
    )
    assert ok(await wire.call("flow_run.read", {"id": run["id"]})) == run
    assert await settled(wire, subscriber, dep["id"]) == [
        (CREATED, dep["id"]),
        (RUN_CREATED, run["id"]),
    ]


async def test_manual_run_refusals(wire: Wire, flow: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    dep = await deployment(wire, flow, parameter_openapi_schema=schema)

    bad = refused(
        await wire.write("flow_run.create", {"deployment_id": dep["id"], "parameters": {"n": "x"}}),
        "validation_error",
    )
    missing = refused(
        await wire.write("flow_run.create", {"deployment_id": str(uuid.uuid4())}), "not_found"
    )
    long_key = {"deployment_id": dep["id"], "idempotency_key": "k" * 201}
    too_long = refused(await wire.write("flow_run.create", long_key), "validation_error")

    assert bad["details"][0]["loc"] == ["parameters", "n"]
    assert "does not exist" in missing["message"]
    assert too_long["details"][0]["loc"] == ["idempotency_key"]


async def test_run_delete_is_announced(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    dep = await deployment(wire, flow)
    run = ok(await wire.write("flow_run.create", {"deployment_id": dep["id"]}))

    assert ok(await wire.write("flow_run.delete", {"id": run["id"]})) == {"deleted": True}
    refused(await wire.write("flow_run.delete", {"id": run["id"]}), "not_found")
    refused(await wire.call("flow_run.read", {"id": run["id"]}), "not_found")
    assert await settled(wire, subscriber, dep["id"]) == [
        (CREATED, dep["id"]),
        (RUN_CREATED, run["id"]),
        (RUN_DELETED, run["id"]),
    ]


async def test_backfill_announces_each_new_run_and_a_repeat_nothing(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    dep = await deployment(wire, flow, schedules=[every(3600, anchor)])
    window = {"deployment_id": dep["id"], "start": "2026-01-01T00:00:00Z"}
    window["end"] = "2026-01-01T03:00:00Z"

    first = ok(await wire.write("deployment.backfill", window))
    again = ok(await wire.write("deployment.backfill", window))

    assert (len(first["run_ids"]), first["existing"]) == (4, 0)
    assert (again["run_ids"], again["existing"]) == ([], 4)
    runs = [ok(await wire.call("flow_run.read", {"id": i})) for i in first["run_ids"]]
    assert [r["labels"]["deployq.backfill.id"] for r in runs] == [first["backfill_id"]] * 4
    assert [r["expected_start_time"] for r in runs] == [f"2026-01-01T0{h}:00:00Z" for h in range(4)]
    assert await settled(wire, subscriber, dep["id"]) == [
        (CREATED, dep["id"]),
        *((RUN_CREATED, i) for i in first["run_ids"]),
    ]


async def test_backfill_refusals(wire: Wire, flow: dict[str, Any]) -> None:
    dep = await deployment(wire, flow, schedules=[every(60, soon())])
    day = {"deployment_id": dep["id"], "start": "2026-01-01T00:00:00Z"}
    day["end"] = "2026-01-02T00:00:00Z"

    too_many = refused(await wire.write("deployment.backfill", day), "validation_error")
    reversed_ = refused(
        await wire.write("deployment.backfill", {**day, "end": "2025-12-31T00:00:00Z"}),
        "validation_error",
    )
    stranger = refused(
        await wire.write("deployment.backfill", {**day, "schedule_ids": [str(uuid.uuid4())]}),
        "not_found",
    )

    assert "1000" in too_many["message"]
    assert "DEPLOYQ_BACKFILL_MAX_RUNS" in too_many["message"]
    assert "start must not be after end" in reversed_["details"][0]["msg"]
    assert "has no schedule" in stranger["message"]
    listed = ok(await wire.call("flow_run.count", {"deployment_id": dep["id"]}))
    assert listed == {"count": 0}


async def test_drop_late_runs_announces_each_deleted_run(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    dep = await deployment(wire, flow, schedules=[every(3600, datetime(2026, 1, 1, tzinfo=UTC))])
    window = {"deployment_id": dep["id"], "start": "2026-01-01T00:00:00Z"}
    made = ok(await wire.write("deployment.backfill", {**window, "end": "2026-01-01T02:00:00Z"}))

    body = {"deployment_id": dep["id"], "keep_latest": True}
    assert ok(await wire.write("deployment.drop_late_runs", body)) == {"deleted": 2}
    assert ok(await wire.write("deployment.drop_late_runs", body)) == {"deleted": 0}
    refused(
        await wire.write("deployment.drop_late_runs", {"deployment_id": str(uuid.uuid4())}),
        "not_found",
    )
    found = await settled(wire, subscriber, dep["id"])
    assert found[:4] == [(CREATED, dep["id"]), *((RUN_CREATED, i) for i in made["run_ids"])]
    assert sorted(found[4:]) == sorted((RUN_DELETED, i) for i in made["run_ids"][:2])


async def test_pause_reason_in_replies_and_events(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    dep = await deployment(wire, flow)

    paused = ok(await wire.write("deployment.pause", {"id": dep["id"], "reason": "migration"}))
    kept = ok(await wire.write("deployment.pause", {"id": dep["id"]}))
    resumed = ok(await wire.write("deployment.resume", {"id": dep["id"]}))
    too_long = {"id": dep["id"], "reason": "x" * 501}
    refused(await wire.write("deployment.pause", too_long), "validation_error")

    assert paused["paused_reason"] == "migration"
    assert paused["paused_at"] is not None
    assert (kept["paused_at"], kept["paused_reason"]) == (paused["paused_at"], "migration")
    assert (resumed["paused_at"], resumed["paused_reason"]) == (None, None)
    assert (dep["paused_at"], dep["paused_reason"]) == (None, None)
    found = await settled(wire, subscriber, dep["id"])
    assert found == [(CREATED, dep["id"])] + [(UPDATED, dep["id"])] * 3
    reasons = [
        m for m in subscriber.about(dep["id"]) if m.type == UPDATED and b"migration" in m.body
    ]
    assert len(reasons) == 2
