"""What a sender reads when a body is wrong: one error per problem, saying what to send, in
deployq's words (no pydantic `Value error, ` prefix, no error per union member)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from deployq.clock import utcnow
from deployq.consumers.codec import Incoming, decode
from deployq.errors import DeployqError

FLOW = "2b7e1f2e-4c1d-4d8e-9a51-0e0f8a3c5b11"


def refused(command: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    message = Incoming(orjson.dumps(body), command, "application/json", message_id="m-1")
    with pytest.raises(DeployqError) as error:
        decode(message, body_limit=1 << 20, json_max_depth=32, now=utcnow())
    return error.value.details


def schedule_errors(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"flow_id": FLOW, "name": "d", "schedules": [{"schedule": schedule}]}
    return refused("deployment.create", body)


def test_a_duration_that_is_no_number_is_one_error_saying_what_to_send() -> None:
    assert schedule_errors({"interval": "10m"}) == [
        {
            "loc": ["schedules", 0, "schedule", "interval"],
            "msg": "must be a number of seconds, e.g. 600 for ten minutes",
            "type": "seconds_type",
        }
    ]
    body = {"deployment_id": FLOW, "min_time": "1h"}
    [error] = refused("deployment.schedule_runs", body)
    assert error["loc"] == ["min_time"]
    assert error["type"] == "seconds_type"


@pytest.mark.parametrize(
    "schedule",
    [{"cron": "0 * * * *", "interval": 60}, {"rrule": "FREQ=DAILY", "cron": "* * * * *"}, {}],
)
def test_a_schedule_takes_exactly_one_kind(schedule: dict[str, Any]) -> None:
    assert schedule_errors(schedule) == [
        {
            "loc": ["schedules", 0, "schedule"],
            "msg": "a schedule takes exactly one of the keys interval, cron or rrule",
            "type": "schedule_kind",
        }
    ]


def test_a_cron_out_of_range_names_its_field() -> None:
    [error] = schedule_errors({"cron": "0 25 * * *"})
    assert error["msg"] == (
        "Invalid cron string: \"0 25 * * *\": hour field '25': 25 is out of range (hours are 0-23)"
    )


@pytest.mark.parametrize(
    "schedule",
    [
        {"interval": [1]},
        {"interval": 60, "timezone": "Mars/Base"},
        {"cron": "0 0 * * *", "day_or": "sometimes"},
        {"rrule": "FREQ=SOMETIMES"},
        {"interval": -1},
    ],
)
def test_each_problem_is_one_error_in_deployq_s_words(schedule: dict[str, Any]) -> None:
    errors = schedule_errors(schedule)
    assert len(errors) == 1, errors
    assert not errors[0]["msg"].startswith("Value error")
    assert errors[0]["loc"][-1] in {"interval", "timezone", "day_or", "rrule"}
