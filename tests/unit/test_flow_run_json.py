"""The `flow_run.created` event data and the `flow_run.read` reply are the same JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pydantic_core
import pytest

from deployq.handlers import convert
from deployq.messages import events
from deployq.messages.runs import flow_run_json
from deployq.scheduling.planning import Window, plan

DEPLOYMENT: dict[str, Any] = {
    "id": uuid4(),
    "flow_id": uuid4(),
    "version": None,
    "work_queue_name": None,
    "work_queue_id": None,
    "parameters": {"x": [1, 2, {"y": None}], "when": "2024-01-01"},
    "tags": ["a"],
    "labels": {"n": 1, "f": 1.5, "b": True, "s": "t"},
    "infrastructure_document_id": None,
}


def schedule(document: dict[str, Any], slug: str | None = None) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "schedule": document,
        "parameters": {"z": 1},
        "slug": slug,
        "active": True,
    }


@pytest.mark.parametrize(
    "document",
    [
        {"interval": 3600, "anchor_date": "2024-01-01T00:00:00+00:00", "timezone": "UTC"},
        {"interval": 60, "anchor_date": "2024-01-01T00:00:00.123456+00:00", "timezone": "UTC"},
        {"cron": "30 9 * * *", "timezone": "America/New_York", "day_or": True},
    ],
    ids=["whole seconds", "microseconds", "cron in another zone"],
)
def test_event_data_and_reply_model_are_byte_identical(document: dict[str, Any]) -> None:
    start = datetime(2024, 3, 9, 12, tzinfo=UTC)
    now = start - timedelta(microseconds=250)
    runs = plan(DEPLOYMENT, [schedule(document, slug="s")], Window.of(start))
    assert runs

    for run in runs:
        row = run.row(now)
        event_data = flow_run_json(row)
        reply = pydantic_core.to_json(convert.flow_run(row))
        assert event_data == reply
        parsed = orjson.loads(event_data)
        assert parsed["state"]["state_details"]["scheduled_time"].endswith("Z")
        assert parsed["expected_start_time"] == parsed["next_scheduled_start_time"]


def test_the_event_envelope_carries_the_run() -> None:
    now = datetime(2024, 3, 9, 12, tzinfo=UTC)
    document = {"interval": 3600, "anchor_date": "2024-01-01T00:00:00+00:00", "timezone": "UTC"}
    run = plan(DEPLOYMENT, [schedule(document)], Window.of(now))[0]

    data = flow_run_json(run.row(now))
    event = events.flow_run_created(DEPLOYMENT["id"], run.id, data, time=now)

    body = orjson.loads(event.body)
    assert event.routing_key == f"flow_run.created.{DEPLOYMENT['id']}"
    assert body["type"] == "deployq.flow_run.created"
    assert body["subject"] == str(run.id)
    assert body["id"] == str(event.id)
    assert body["data"] == orjson.loads(data)
    assert body["data"]["id"] == str(run.id)


def test_a_run_without_a_state_row_has_state_null() -> None:
    now = datetime(2024, 3, 9, 12, tzinfo=UTC)
    document = {"interval": 3600, "anchor_date": "2024-01-01T00:00:00+00:00", "timezone": "UTC"}
    run = plan(DEPLOYMENT, [schedule(document)], Window.of(now))[0]
    row = {**run.row(now), "state_id": None, "state_timestamp": None}

    assert convert.flow_run(row).state is None
    assert orjson.loads(flow_run_json(row))["state"] is None
