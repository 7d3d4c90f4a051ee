"""Every command model decodes a typical body, and refuses unknown and missing fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from deployq.consumers.codec import Incoming, decode
from deployq.errors import ValidationFailed
from deployq.handlers import COMMANDS

NOW = "2026-01-01T00:00:00+00:00"
AT = datetime(2026, 1, 1, tzinfo=UTC)
ID = "7c1f4a6e-0d67-4d1e-9a43-1d1b7c43d7a1"
OTHER = "0b4d8d1e-3f0a-4f61-8f0e-2b3c4d5e6f70"

# One realistic body per command; a new command without an example fails the coverage test.
EXAMPLES: dict[str, dict[str, Any]] = {
    "system.ping": {},
    "flow.create": {"name": "etl", "tags": ["prod"], "labels": {"team": "data"}},
    "flow.read": {"name": "etl"},
    "deployment.create": {
        "flow_name": "etl",
        "name": "nightly",
        "tags": ["prod"],
        "parameters": {"day": "today"},
        "work_pool_name": "k8s",
        "work_queue_name": "critical",
        "schedules": [
            {"schedule": {"cron": "0 3 * * *", "timezone": "Europe/Paris"}, "slug": "night"},
            {"schedule": {"interval": 3600, "anchor_date": NOW}, "active": False},
            {"schedule": {"rrule": "FREQ=WEEKLY;BYDAY=MO"}, "parameters": {"day": "monday"}},
        ],
    },
    "deployment.read": {"id": ID},
    "deployment.read_by_name": {"flow_name": "etl", "deployment_name": "nightly"},
    "deployment.list": {
        "deployments": {"tags": {"all_": ["prod"]}, "name": {"like_": "night"}},
        "flows": {"name": {"any_": ["etl"]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        "work_pools": {"name": {"any_": ["k8s"]}},
        "sort": "UPDATED_DESC",
        "offset": 10,
        "limit": 50,
    },
    "deployment.count": {"deployments": {"paused": {"eq_": False}, "operator": "or_"}},
    "deployment.update": {"id": ID, "description": None, "paused": True, "schedules": []},
    "deployment.pause": {"id": ID, "reason": "database migration"},
    "deployment.resume": {"id": ID},
    "deployment.delete": {"id": ID},
    "deployment.schedules.create": {
        "deployment_id": ID,
        "schedules": [{"schedule": {"interval": 60.5}, "max_scheduled_runs": 10}],
    },
    "deployment.schedules.read": {"deployment_id": ID, "filter": {"active": {"eq_": True}}},
    "deployment.schedules.update": {"deployment_id": ID, "schedule_id": OTHER, "active": False},
    "deployment.schedules.delete": {"deployment_id": ID, "schedule_id": OTHER},
    "deployment.schedules.delete_all": {"deployment_id": ID},
    "deployment.schedule_runs": {
        "deployment_id": ID,
        "start_time": NOW,
        "min_time": 7200,
        "max_runs": 10,
    },
    "flow_run.read": {"id": ID},
    "flow_run.list": {"deployment_id": ID, "state_type": ["SCHEDULED"], "limit": 20},
    "flow_run.count": {"deployment_id": ID, "auto_scheduled": True, "scheduled_after": NOW},
    "work_pool.create": {"name": "k8s", "type": "kubernetes", "concurrency_limit": 5},
    "work_pool.read": {"name": "k8s"},
    "work_pool.list": {"limit": 10},
    "work_pool.update": {"name": "k8s", "is_paused": True},
    "work_pool.delete": {"name": "k8s"},
    "work_queue.create": {"work_pool_name": "k8s", "name": "critical", "priority": 2},
    "work_queue.read": {"work_pool_name": "k8s", "name": "critical"},
    "work_queue.list": {"work_pool_name": "k8s"},
    "work_queue.update": {"work_pool_name": "k8s", "name": "critical", "is_paused": True},
    "work_queue.delete": {"work_pool_name": "k8s", "name": "critical"},
    "deployment.work_queues": {"deployment_id": ID},
    "deployment.schedules.preview": {"deployment_id": ID, "start": NOW, "n": 5},
    "flow_run.create": {
        "deployment_id": ID,
        "parameters": {"day": "monday"},
        "idempotency_key": "rerun-2026-01-01",
        "tags": ["manual"],
    },
    "flow_run.delete": {"id": ID},
    "deployment.backfill": {
        "deployment_id": ID,
        "start": NOW,
        "end": "2026-01-02T00:00:00+00:00",
        "schedule_ids": [OTHER],
    },
    "deployment.drop_late_runs": {"deployment_id": ID, "late_after": 600, "keep_latest": True},
}


def incoming(command: str, body: dict[str, Any]) -> Incoming:
    return Incoming(body=orjson.dumps(body), routing_key=command, message_id="m-1")


def test_every_command_has_an_example() -> None:
    assert set(EXAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_example_decodes_to_its_model(command: str) -> None:
    decoded = decode(
        incoming(command, EXAMPLES[command]), body_limit=1 << 20, json_max_depth=32, now=AT
    )
    assert type(decoded.command) is COMMANDS[command]
    # What was sent is what the model holds (fields left out keep their defaults).
    assert decoded.command.model_fields_set == set(EXAMPLES[command])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unknown_field_is_refused(command: str) -> None:
    body = {**EXAMPLES[command], "colour": "red"}
    with pytest.raises(ValidationFailed) as caught:
        decode(incoming(command, body), body_limit=1 << 20, json_max_depth=32, now=AT)
    assert {
        "loc": ["colour"],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    } in caught.value.details


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (name, field)
        for name, model in sorted(COMMANDS.items())
        for field, info in model.model_fields.items()
        if info.is_required()
    ],
)
def test_missing_required_field_is_refused(command: str, field: str) -> None:
    body = {k: v for k, v in EXAMPLES[command].items() if k != field}
    with pytest.raises(ValidationFailed) as caught:
        decode(incoming(command, body), body_limit=1 << 20, json_max_depth=32, now=AT)
    assert any(d["loc"][:1] == [field] and d["type"] == "missing" for d in caught.value.details)
