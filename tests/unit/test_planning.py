"""R66–R68 as pure planning: which dates each schedule keeps, and the fields of each run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec
from deployq.scheduling.document import spec as schedule_spec
from deployq.scheduling.names import ADJECTIVES, ANIMALS, run_name
from deployq.scheduling.planning import (
    MAX_SCHEDULED_TIME,
    Window,
    idempotency_key,
    pick_dates,
    plan,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
JUST_AFTER = START + timedelta(seconds=1)


def every(seconds: float, anchor: datetime = JUST_AFTER, zone: str = "UTC") -> IntervalSpec:
    return IntervalSpec(timedelta(seconds=seconds), anchor, zone)


MINUTE, HOUR, DAY = 60, 3600, 86400


# R67's worked examples: anchor just after start, R66 defaults.
@pytest.mark.parametrize(
    ("interval", "min_time", "expected"),
    [
        (MINUTE, None, 61),
        (5 * MINUTE, None, 13),
        (HOUR, None, 3),
        (60 * DAY, None, 2),
        (DAY, timedelta(days=17), 18),
    ],
    ids=["1-min", "5-min", "hourly", "60-day", "daily, min_time 17 d"],
)
def test_r67_examples(interval: int, min_time: timedelta | None, expected: int) -> None:
    kept = pick_dates(every(interval), Window.of(START, min_time=min_time))

    assert len(kept) == expected
    assert kept[0] == JUST_AFTER
    assert kept == [JUST_AFTER + k * timedelta(seconds=interval) for k in range(expected)]


def test_r66_defaults_count_end_from_the_given_start() -> None:
    start = datetime(2030, 5, 6, 7, 8, tzinfo=UTC)

    window = Window.of(start)

    assert window == Window(start, start + MAX_SCHEDULED_TIME, timedelta(hours=1), 3, 100)


def test_max_runs_caps_what_min_time_asks_for() -> None:
    assert len(pick_dates(every(MINUTE), Window.of(START, max_runs=10))) == 10


def test_end_beats_min_runs() -> None:
    window = Window.of(START, START + timedelta(minutes=90), min_runs=3)

    assert pick_dates(every(HOUR), window) == [JUST_AFTER, JUST_AFTER + timedelta(hours=1)]


def test_min_runs_beyond_min_time() -> None:
    assert len(pick_dates(every(HOUR), Window.of(START, min_runs=5))) == 5


def test_min_time_beyond_min_runs() -> None:
    window = Window.of(START, min_time=timedelta(minutes=30), min_runs=1)

    assert len(pick_dates(every(5 * MINUTE), window)) == 7


def test_the_first_date_is_kept_even_with_nothing_required() -> None:
    window = Window.of(START, min_time=timedelta(0), min_runs=0)

    assert pick_dates(every(HOUR), window) == [JUST_AFTER]


def test_max_runs_zero_keeps_nothing() -> None:
    assert pick_dates(every(HOUR), Window.of(START, max_runs=0)) == []


def test_a_date_on_start_is_kept_and_nothing_before_it() -> None:
    kept = pick_dates(every(HOUR, anchor=START - timedelta(days=3)), Window.of(START))

    assert kept[0] == START


def test_dates_come_back_in_utc() -> None:
    spec = every(DAY, datetime(2024, 1, 1, 9, tzinfo=UTC), "America/New_York")

    kept = pick_dates(spec, Window.of(START, min_runs=2))

    assert all(d.tzinfo is UTC for d in kept)
    assert kept[0] == datetime(2024, 1, 1, 9, tzinfo=UTC)


def test_stored_documents_become_specs() -> None:
    anchor = "2024-01-01T04:00:00-05:00"
    interval = {"interval": 90.5, "anchor_date": anchor, "timezone": "America/New_York"}
    cron = {"cron": "0 9 * * *", "timezone": "Europe/Paris", "day_or": False}
    rrule = {"rrule": "FREQ=DAILY", "timezone": "UTC"}

    assert schedule_spec(interval) == IntervalSpec(
        timedelta(seconds=90.5), datetime.fromisoformat(anchor), "America/New_York"
    )
    assert schedule_spec(cron) == CronSpec("0 9 * * *", "Europe/Paris", False)
    assert schedule_spec(rrule) == RRuleSpec("FREQ=DAILY", "UTC")
    with pytest.raises(ValueError, match="not a schedule"):
        schedule_spec({"every": 3})


@pytest.mark.parametrize(
    ("date", "written"),
    [
        (datetime(2024, 3, 1, 9, 30, tzinfo=UTC), "2024-03-01T09:30:00+00:00"),
        (datetime(2024, 3, 1, 9, 30, 0, 5, tzinfo=UTC), "2024-03-01T09:30:00.000005+00:00"),
        (
            datetime.fromisoformat("2024-03-01T04:30:00.25-05:00"),
            "2024-03-01T09:30:00.250000+00:00",
        ),
    ],
    ids=["whole seconds", "microseconds", "other offset"],
)
def test_idempotency_key_form(date: datetime, written: str) -> None:
    deployment_id, schedule_id = uuid4(), uuid4()

    key = idempotency_key(deployment_id, schedule_id, date)

    assert key == f"scheduled {deployment_id} {schedule_id} {written}"


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
    assert {r.source.created_by["display_value"] for r in runs} == {display}
    assert {r.source.created_by["id"] for r in runs} == {str(schedule["id"])}


def test_each_active_schedule_is_planned_independently_and_inactive_ones_skipped() -> None:
    deployment = deployment_row()
    minutes = {"interval": 900, "anchor_date": "2024-01-01T00:00:01+00:00", "timezone": "UTC"}
    hourly, quarter = schedule_row(HOURLY), schedule_row(minutes)
    inactive = schedule_row(HOURLY, active=False)

    runs = plan(deployment, [hourly, inactive, quarter], Window.of(START))

    by_schedule: dict[str, int] = {}
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
