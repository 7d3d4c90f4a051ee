"""R66, R67 as pure planning: which dates each schedule keeps, and the key that makes a date's
run once (R69)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec
from deployq.scheduling.document import spec as schedule_spec
from deployq.scheduling.planning import MAX_SCHEDULED_TIME, Window, idempotency_key, pick_dates
from tests.unit.planning_support import DAY, HOUR, JUST_AFTER, MINUTE, START, every


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
