"""`deployment.schedule_runs` and `flow_run.read/list/count` over AMQP (CONTRACT §2–3, §6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.wire import Wire
from tests.support import ok, refused, unique


async def scheduled_deployment(wire: Wire, flow: dict[str, Any], start: datetime) -> str:
    schedule = {"interval": 3600, "anchor_date": start.isoformat()}
    body = {"flow_name": flow["name"], "name": unique("dep"), "schedules": [{"schedule": schedule}]}
    deployment_id: str = ok(await wire.write("deployment.create", body))["id"]
    return deployment_id


async def test_schedule_runs_then_read_list_and_count(wire: Wire, flow: dict[str, Any]) -> None:
    start = datetime(2033, 1, 1, 6, tzinfo=UTC)
    deployment_id = await scheduled_deployment(wire, flow, start)
    body = {"deployment_id": deployment_id, "start_time": start.isoformat(), "min_runs": 4}

    created = ok(await wire.write("deployment.schedule_runs", body))["run_ids"]
    again = ok(await wire.write("deployment.schedule_runs", body))["run_ids"]

    assert len(created) == 4
    assert again == []
    run = ok(await wire.call("flow_run.read", {"id": created[0]}))
    assert run["deployment_id"] == deployment_id
    assert run["expected_start_time"] == "2033-01-01T06:00:00Z"
    assert run["state"]["state_details"]["scheduled_time"] == "2033-01-01T06:00:00Z"
    listed = ok(
        await wire.call(
            "flow_run.list",
            {
                "deployment_id": deployment_id,
                "scheduled_after": (start + timedelta(hours=1)).isoformat(),
                "sort": "EXPECTED_START_TIME_DESC",
                "limit": 2,
            },
        )
    )
    assert [r["id"] for r in listed["items"]] == [created[3], created[2]]
    assert (listed["offset"], listed["limit"]) == (0, 2)
    counted = ok(
        await wire.call(
            "flow_run.count", {"deployment_id": deployment_id, "state_type": ["SCHEDULED"]}
        )
    )
    assert counted == {"count": 4}


async def test_a_repeated_message_id_gets_the_first_reply(wire: Wire, flow: dict[str, Any]) -> None:
    start = datetime(2033, 2, 1, tzinfo=UTC)
    deployment_id = await scheduled_deployment(wire, flow, start)
    body = {"deployment_id": deployment_id, "start_time": start.isoformat()}
    message_id = uuid.uuid4().hex

    first = await wire.write("deployment.schedule_runs", body, message_id=message_id)
    second = await wire.write("deployment.schedule_runs", body, message_id=message_id)

    assert len(ok(first)["run_ids"]) == 3
    assert second == first


async def test_errors(wire: Wire) -> None:
    missing = str(uuid.uuid4())

    refused(await wire.write("deployment.schedule_runs", {"deployment_id": missing}), "not_found")
    refused(await wire.call("flow_run.read", {"id": missing}), "not_found")
    refused(await wire.call("flow_run.list", {"limit": 201}), "validation_error")
    refused(
        await wire.write("deployment.schedule_runs", {"deployment_id": missing, "min_runs": -1}),
        "validation_error",
    )
