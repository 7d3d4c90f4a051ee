"""Schedule validation errors over AMQP (CONTRACT §3) wherever a schedule is sent
(`deployment.schedules.create|update`, `deployment.create`, `deployment.update`): each names
the field and its problem."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from deployq.settings import Settings
from tests.e2e.schedules import CRON, RRULE
from tests.e2e.wire import Wire, check_reply
from tests.support import refused, unique
from tests.workers import running_worker

# --- validation errors ----------------------------------------------------------------------


def long_rrule(length: int) -> str:
    """A usable rule of exactly `length` characters (many EXDATEs; INTERVAL padded with 0s)."""
    head = "DTSTART:20200101T090000\nRRULE:FREQ=DAILY;INTERVAL="
    days = [date(2020, 1, 2) + timedelta(days=k) for k in range(380)]
    tail = "\nEXDATE:" + ",".join(f"{d:%Y%m%d}T090000" for d in days)
    text = head + "0" * (length - len(head) - len(tail) - 1) + "1" + tail
    assert len(text) == length
    return text


# (schedule, the field the details must name, words the message of that detail must carry)
INVALID = [
    pytest.param({"interval": 0}, "interval", "interval must be positive", id="interval-0"),
    pytest.param({"interval": -60}, "interval", "interval must be positive", id="interval-neg"),
    pytest.param({"cron": "every day"}, "cron", "Invalid cron string", id="cron-text"),
    pytest.param({"cron": "61 * * * *"}, "cron", "Invalid cron string", id="cron-minute-61"),
    pytest.param(
        {"cron": "R * * * *"}, "cron", "Random and Hashed expressions are unsupported", id="cron-R"
    ),
    pytest.param(
        {"cron": "0 H * * *"}, "cron", "Random and Hashed expressions are unsupported", id="cron-H"
    ),
    pytest.param({"rrule": "FREQ=FORTNIGHTLY"}, "rrule", "FORTNIGHTLY", id="rrule-unparseable"),
    pytest.param({"rrule": long_rrule(6501)}, "rrule", "6500", id="rrule-6501-characters"),
    pytest.param(
        {**CRON, "timezone": "Mars/Olympus_Mons"}, "timezone", "Mars/Olympus_Mons", id="tz-unknown"
    ),
    pytest.param({"interval": 60, "timezone": "-04:00"}, "timezone", "-04:00", id="tz-offset"),
    pytest.param({**RRULE, "timezone": "+02:00"}, "timezone", "+02:00", id="tz-offset-rrule"),
    pytest.param(
        {**CRON, "colour": "blue"}, "colour", "Extra inputs are not permitted", id="extra"
    ),
]

Context = Callable[[dict[str, Any]], tuple[str, dict[str, Any], list[Any]]]


def in_schedules_create(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"deployment_id": str(uuid.uuid4()), "schedules": [{"schedule": schedule}]}
    return "deployment.schedules.create", body, ["schedules", 0, "schedule"]


def in_schedules_update(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {
        "deployment_id": str(uuid.uuid4()),
        "schedule_id": str(uuid.uuid4()),
        "schedule": schedule,
    }
    return "deployment.schedules.update", body, ["schedule"]


def in_deployment_create(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"flow_name": unique("flow"), "name": "d", "schedules": [{"schedule": schedule}]}
    return "deployment.create", body, ["schedules", 0, "schedule"]


def in_deployment_update(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"id": str(uuid.uuid4()), "schedules": [{"slug": "s", "schedule": schedule}]}
    return "deployment.update", body, ["schedules", 0, "schedule"]


CONTEXTS = [
    pytest.param(in_schedules_create, id="schedules.create"),
    pytest.param(in_schedules_update, id="schedules.update"),
    pytest.param(in_deployment_create, id="deployment.create"),
    pytest.param(in_deployment_update, id="deployment.update"),
]


def details_under(failure: dict[str, Any], prefix: list[Any]) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = failure["details"]
    assert details, failure
    for detail in details:
        assert set(detail) == {"loc", "msg", "type"}, detail
        assert detail["loc"][: len(prefix)] == prefix, detail
    return details


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize(("schedule", "field", "reason"), INVALID)
async def test_an_invalid_schedule_is_a_validation_error_naming_the_field(
    wire: Wire, context: Context, schedule: dict[str, Any], field: str, reason: str
) -> None:
    command, body, prefix = context(schedule)

    failure = refused(await wire.write(command, body), "validation_error")

    details = details_under(failure, prefix)
    named = [d for d in details if d["loc"][-1] == field and reason in d["msg"]]
    assert named, details


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("schedule", [{}, {"every": 60}, {"interval": "hourly"}])
async def test_a_schedule_of_no_kind_is_a_validation_error(
    wire: Wire, context: Context, schedule: dict[str, Any]
) -> None:
    command, body, prefix = context(schedule)

    failure = refused(await wire.write(command, body), "validation_error")

    assert details_under(failure, prefix)


@pytest.mark.parametrize("context", CONTEXTS)
async def test_the_longest_rrule_allowed_is_not_refused_for_its_length(
    wire: Wire, context: Context
) -> None:
    command, body, _ = context({"rrule": long_rrule(6500)})

    reply = await wire.write(command, body)

    if not reply["ok"]:  # a valid body goes on to the handler, which finds nothing
        assert reply["error"]["code"] == "not_found", reply


# --- product bugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [1e15, 1e20])
async def test_a_huge_interval_is_a_validation_error(
    wire: Wire, settings: Settings, seconds: float
) -> None:
    # Its own worker and namespace: today the message stays unacknowledged in the worker that
    # took it, which must not be the session's.
    own = settings.model_copy(
        update={"namespace": f"{settings.namespace}-huge-{uuid.uuid4().hex[:6]}"}
    )
    body = {
        "deployment_id": str(uuid.uuid4()),
        "schedules": [{"schedule": {"interval": seconds}}],
    }
    try:
        async with running_worker(own):
            await wire.watch_dead_letters(own.namespace)
            correlation_id = await wire.publish(
                "deployment.schedules.create",
                body,
                message_id=uuid.uuid4().hex,
                namespace=own.namespace,
            )
            message = await wire.reply(correlation_id)
            reply = check_reply(
                message, command="deployment.schedules.create", correlation_id=correlation_id
            )
    finally:
        await wire.delete_namespace(own.namespace)

    failure = refused(reply, "validation_error")
    assert any(d["loc"][-1] == "interval" for d in failure["details"]), failure


async def test_an_invalid_interval_reports_only_its_own_problem(wire: Wire) -> None:
    command, body, prefix = in_schedules_create({"interval": 0, "timezone": "UTC"})

    failure = refused(await wire.write(command, body), "validation_error")

    details = details_under(failure, prefix)
    assert len(details) == 1, details
    [detail] = details
    assert detail["loc"][-1] == "interval"
    assert "interval must be positive" in detail["msg"]
    assert not {"IntervalSchedule", "CronSchedule", "RRuleSchedule"} & set(detail["loc"])
