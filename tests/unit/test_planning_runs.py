"""R68 as pure planning: the fields of each run planned from a deployment and its schedules,
and the two-word names runs get."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from deployq.scheduling.names import ADJECTIVES, ANIMALS, run_name
from deployq.scheduling.planning import Window, idempotency_key, plan
from tests.unit.planning_support import JUST_AFTER, START


def deployment_row(**fields: Any) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "flow_id": uuid4(),
        "version": "1.2",
        "work_queue_name": "q",
        "work_queue_id": uuid4(),
        "parameters": {"a": 1, "b": {"deep": 1}},
        "tags": ["red", "blue"],
        "labels": {"team": "x", "deployq.flow.id": "spoofed"},
        "infrastructure_document_id": uuid4(),
        **fields,
    }


def schedule_row(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "schedule": document,
        "parameters": {},
        "slug": None,
        "active": True,
        **fields,
    }


HOURLY = {"interval": 3600, "anchor_date": "2024-01-01T00:00:01+00:00", "timezone": "UTC"}


def test_r68_fields() -> None:
    deployment = deployment_row()
    schedule = schedule_row(HOURLY, parameters={"b": 2, "c": 3})

    runs = plan(deployment, [schedule], Window.of(START))

    assert [r.scheduled_time for r in runs] == [JUST_AFTER + timedelta(hours=k) for k in range(3)]
    assert len({r.id for r in runs} | {r.state_id for r in runs}) == 6
    assert all(UUID(r.id).version == 7 and UUID(r.state_id).version == 7 for r in runs)
    now = START - timedelta(minutes=1)
    row = runs[1].row(now)
    assert row == {
        "id": runs[1].id,
        "created": now,
        "updated": now,
        "name": runs[1].name,
        "flow_id": str(deployment["flow_id"]),
        "deployment_id": str(deployment["id"]),
        "deployment_version": "1.2",
        "work_queue_name": "q",
        "work_queue_id": str(deployment["work_queue_id"]),
        "parameters": {"a": 1, "b": 2, "c": 3},
        "idempotency_key": idempotency_key(
            deployment["id"], schedule["id"], runs[1].scheduled_time
        ),
        "tags": ["auto-scheduled", "red", "blue"],
        "labels": {
            "team": "x",
            "deployq.flow.id": str(deployment["flow_id"]),
            "deployq.deployment.id": str(deployment["id"]),
        },
        "auto_scheduled": True,
        "run_count": 0,
        "state_id": runs[1].state_id,
        "state_type": "SCHEDULED",
        "state_name": "Scheduled",
        "expected_start_time": JUST_AFTER + timedelta(hours=1),
        "next_scheduled_start_time": JUST_AFTER + timedelta(hours=1),
        "infrastructure_document_id": str(deployment["infrastructure_document_id"]),
        "created_by": {
            "id": str(schedule["id"]),
            "type": "SCHEDULE",
            "display_value": "IntervalSchedule",
        },
        "schedule_id": str(schedule["id"]),
        "state_timestamp": now,
        "state_message": "Flow run scheduled",
        "state_scheduled_time": JUST_AFTER + timedelta(hours=1),
    }


def test_parameter_overlay_is_shallow_and_leaves_the_inputs_alone() -> None:
    deployment = deployment_row()
    schedule = schedule_row(HOURLY, parameters={"b": {"other": 2}})

    runs = plan(deployment, [schedule], Window.of(START))

    assert runs[0].source.parameters == {"a": 1, "b": {"other": 2}}
    assert deployment["parameters"] == {"a": 1, "b": {"deep": 1}}


@pytest.mark.parametrize(
    ("document", "slug", "display"),
    [
        (HOURLY, None, "IntervalSchedule"),
        ({"cron": "0 * * * *", "timezone": "UTC", "day_or": True}, None, "CronSchedule"),
        ({"rrule": "FREQ=HOURLY", "timezone": "UTC"}, None, "RRuleSchedule"),
        (HOURLY, "nightly", "nightly"),
    ],
)
def test_created_by_names_the_slug_or_the_kind(
    document: dict[str, Any], slug: str | None, display: str
) -> None:
    schedule = schedule_row(document, slug=slug)

    runs = plan(deployment_row(), [schedule], Window.of(START))

    assert runs
    assert {(r.source.created_by or {}).get("display_value") for r in runs} == {display}
    assert {(r.source.created_by or {}).get("id") for r in runs} == {str(schedule["id"])}


def test_each_active_schedule_is_planned_independently_and_inactive_ones_skipped() -> None:
    deployment = deployment_row()
    minutes = {"interval": 900, "anchor_date": "2024-01-01T00:00:01+00:00", "timezone": "UTC"}
    hourly, quarter = schedule_row(HOURLY), schedule_row(minutes)
    inactive = schedule_row(HOURLY, active=False)

    runs = plan(deployment, [hourly, inactive, quarter], Window.of(START))

    by_schedule: dict[str | None, int] = {}
    for run in runs:
        by_schedule[run.source.schedule_id] = by_schedule.get(run.source.schedule_id, 0) + 1
    assert by_schedule == {str(hourly["id"]): 3, str(quarter["id"]): 5}


def test_the_same_date_from_two_schedules_gets_two_keys() -> None:
    deployment = deployment_row()
    one, two = schedule_row(HOURLY), schedule_row(HOURLY)

    runs = plan(deployment, [one, two], Window.of(START))

    assert len({r.idempotency_key for r in runs}) == 6


def test_a_bad_schedule_raises() -> None:
    bad = schedule_row({**HOURLY, "timezone": "Mars/Olympus"})

    with pytest.raises(ValueError, match="Mars"):
        plan(deployment_row(), [bad], Window.of(START))


def test_run_names_are_two_words_from_the_lists() -> None:
    names = {run_name() for _ in range(200)}

    for name in names:
        adjective, animal = name.split("-")
        assert adjective in ADJECTIVES
        assert animal in ANIMALS
    assert len(names) > 100


def test_word_lists_have_no_duplicates_or_dashes() -> None:
    for words in (ADJECTIVES, ANIMALS):
        assert len(set(words)) == len(words)
        assert all(w.isalpha() and w.islower() for w in words)
