"""What the schedule command tests over AMQP share: deployments made over the wire, schedules as
read and as sent back, and the fields CONTRACT §2 promises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.e2e.wire import Wire
from tests.support import ok, unique

# CONTRACT §2: a DeploymentSchedule has at least these fields.
SCHEDULE_FIELDS = {
    "id",
    "created",
    "updated",
    "deployment_id",
    "schedule",
    "active",
    "max_scheduled_runs",
    "parameters",
    "slug",
}
CRON = {"cron": "0 9 * * 1-5"}
RRULE = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}


async def new_deployment(wire: Wire, flow: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"flow_name": flow["name"], "name": unique("dep"), **fields}
    created: dict[str, Any] = ok(await wire.write("deployment.create", body))
    return created


async def read_schedules(
    wire: Wire, deployment_id: str, filter: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"deployment_id": deployment_id}
    if filter is not None:
        body["filter"] = filter
    schedules: list[dict[str, Any]] = ok(await wire.call("deployment.schedules.read", body))
    return schedules


def utc(text: str) -> datetime:
    """A reply timestamp: RFC 3339 in UTC, written with `Z`."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def resendable(schedule: dict[str, Any]) -> dict[str, Any]:
    """A schedule as read, minus what a client cannot send back."""
    body = {k: v for k, v in schedule.items() if k not in {"id", "created", "updated"}}
    return {**body, "schedule_id": schedule["id"]}
