"""Interval schedules (R20-R23): exact elapsed time below a day, local clock time for days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from deployq.occurrences import IntervalSpec, check_interval, dates
from tests.unit.occurrences.moments import DAY, HOUR, NY, SYDNEY, iso, local
from tests.unit.occurrences.oracles import interval_oracle


def test_sub_day_interval_is_exact_elapsed_time_over_fall_back() -> None:
    spec = IntervalSpec(timedelta(minutes=30), local("2018-11-04T00:00", NY), NY)

    found = dates(spec, local("2018-11-04T00:30", NY), n=6)

    assert iso(found) == [
        "2018-11-04T00:30:00-04:00",
        "2018-11-04T01:00:00-04:00",
        "2018-11-04T01:30:00-04:00",
        "2018-11-04T01:00:00-05:00",
        "2018-11-04T01:30:00-05:00",
        "2018-11-04T02:00:00-05:00",
    ]
    in_utc = [moment.astimezone(UTC) for moment in found]  # same-zone subtraction is wall time
    assert {b - a for a, b in pairwise(in_utc)} == {timedelta(minutes=30)}


def test_sub_day_interval_is_exact_elapsed_time_over_spring_forward() -> None:
    spec = IntervalSpec(timedelta(minutes=45), local("2018-03-11T00:00", NY), NY)

    found = dates(spec, local("2018-03-11T01:00", NY), n=4)

    assert iso(found) == [
        "2018-03-11T01:30:00-05:00",
        "2018-03-11T03:15:00-04:00",
        "2018-03-11T04:00:00-04:00",
        "2018-03-11T04:45:00-04:00",
    ]


def test_sub_day_interval_in_southern_hemisphere() -> None:
    # Sydney falls back on 2024-04-07 at 03:00 AEDT to 02:00 AEST.
    spec = IntervalSpec(HOUR, local("2024-04-07T00:00", SYDNEY), SYDNEY)

    found = dates(spec, local("2024-04-07T01:00", SYDNEY), n=4)

    assert iso(found) == [
        "2024-04-07T01:00:00+11:00",
        "2024-04-07T02:00:00+11:00",
        "2024-04-07T02:00:00+10:00",
        "2024-04-07T03:00:00+10:00",
    ]


def test_daily_interval_keeps_clock_time_over_fall_back() -> None:
    spec = IntervalSpec(DAY, local("2018-11-01T09:00", NY), NY)

    found = dates(spec, local("2018-11-03T00:00", NY), n=3)

    assert iso(found) == [
        "2018-11-03T09:00:00-04:00",
        "2018-11-04T09:00:00-05:00",
        "2018-11-05T09:00:00-05:00",
    ]


def test_daily_interval_in_repeated_hour_takes_first_occurrence() -> None:
    spec = IntervalSpec(DAY, local("2018-11-02T01:30", NY), NY)

    found = dates(spec, local("2018-11-03T00:00", NY), n=3)

    assert iso(found) == [
        "2018-11-03T01:30:00-04:00",
        "2018-11-04T01:30:00-04:00",
        "2018-11-05T01:30:00-05:00",
    ]


def test_anchor_in_second_pass_of_repeated_hour_is_itself_an_occurrence() -> None:
    anchor = datetime(2018, 11, 4, 1, 30, fold=1, tzinfo=ZoneInfo(NY))
    spec = IntervalSpec(DAY, anchor, NY)

    found = dates(spec, anchor - 2 * DAY, n=4)

    assert iso(found) == [
        "2018-11-02T01:30:00-04:00",
        "2018-11-03T01:30:00-04:00",
        "2018-11-04T01:30:00-05:00",
        "2018-11-05T01:30:00-05:00",
    ]


def test_daily_interval_in_southern_hemisphere_gap_moves_forward_one_day_only() -> None:
    # Sydney springs forward on 2023-10-01 from 02:00 AEST to 03:00 AEDT.
    spec = IntervalSpec(DAY, local("2023-09-01T02:30", SYDNEY), SYDNEY)

    found = dates(spec, local("2023-09-30T00:00", SYDNEY), n=3)

    assert iso(found) == [
        "2023-09-30T02:30:00+10:00",
        "2023-10-01T03:30:00+11:00",
        "2023-10-02T02:30:00+11:00",
    ]


def test_weekly_interval_keeps_clock_time_and_weekday() -> None:
    spec = IntervalSpec(7 * DAY, local("2024-03-04T08:15", "Europe/London"), "Europe/London")

    found = dates(spec, local("2024-03-20T00:00", "Europe/London"), n=3)

    assert iso(found) == [
        "2024-03-25T08:15:00+00:00",
        "2024-04-01T08:15:00+01:00",
        "2024-04-08T08:15:00+01:00",
    ]


def test_mixed_interval_over_spring_forward_adds_days_then_seconds() -> None:
    spec = IntervalSpec(36 * HOUR, local("2018-03-10T00:00", NY), NY)

    found = dates(spec, local("2018-03-10T00:00", NY), n=3)

    # day part: 03-11 00:00 EST, then +12 h elapsed = 13:00 EDT; 03-12 00:00 EDT + 24 h
    assert iso(found) == [
        "2018-03-10T00:00:00-05:00",
        "2018-03-11T13:00:00-04:00",
        "2018-03-13T00:00:00-04:00",
    ]


def test_start_on_an_occurrence_is_included_and_a_microsecond_later_is_not() -> None:
    anchor = datetime(2024, 1, 1, 12, tzinfo=UTC)
    spec = IntervalSpec(HOUR, anchor, "UTC")

    on = dates(spec, anchor + 5 * HOUR)
    after = dates(spec, anchor + 5 * HOUR + timedelta(microseconds=1))

    assert on == [anchor + 5 * HOUR]
    assert after == [anchor + 6 * HOUR]


def test_future_anchor_reaches_back_with_negative_k() -> None:
    anchor = datetime(2031, 5, 5, 5, 5, 5, 5, tzinfo=UTC)
    spec = IntervalSpec(timedelta(seconds=7, microseconds=3), anchor, "UTC")
    start = datetime(2024, 1, 1, tzinfo=UTC)

    found = dates(spec, start, n=50)

    assert found[0] >= start
    assert found[0] - spec.interval < start
    assert all((anchor - moment) % spec.interval == timedelta(0) for moment in found)


def test_microsecond_interval_is_exact() -> None:
    anchor = datetime(2024, 1, 1, tzinfo=UTC)
    spec = IntervalSpec(timedelta(microseconds=1500), anchor, "UTC")

    found = dates(spec, anchor + timedelta(microseconds=1), n=3)

    assert [moment - anchor for moment in found] == [
        timedelta(microseconds=1500),
        timedelta(microseconds=3000),
        timedelta(microseconds=4500),
    ]


def test_naive_anchor_is_local_wall_time() -> None:
    spec = IntervalSpec(DAY, datetime(2024, 7, 1, 9), NY)  # noqa: DTZ001 - R11 on purpose

    found = dates(spec, datetime(2024, 7, 2, tzinfo=UTC))

    assert iso(found) == ["2024-07-02T09:00:00-04:00"]


def test_fixed_offset_zone_days_are_24_hours() -> None:
    spec = IntervalSpec(DAY, datetime(2024, 3, 9, 12, tzinfo=UTC), "Etc/GMT+5")

    found = dates(spec, datetime(2024, 3, 9, tzinfo=UTC), n=3)

    assert iso(found) == [
        "2024-03-09T07:00:00-05:00",
        "2024-03-10T07:00:00-05:00",
        "2024-03-11T07:00:00-05:00",
    ]


def test_end_bounds_the_dates_inclusively() -> None:
    anchor = datetime(2024, 1, 1, tzinfo=UTC)
    spec = IntervalSpec(HOUR, anchor, "UTC")

    found = dates(spec, anchor, anchor + 3 * HOUR)

    assert found == [anchor, anchor + HOUR, anchor + 2 * HOUR, anchor + 3 * HOUR]


def test_dates_near_year_9999_stop_without_error() -> None:
    spec = IntervalSpec(DAY, datetime(2024, 1, 1, tzinfo=UTC), NY)
    late = IntervalSpec(DAY, datetime(2024, 1, 1, tzinfo=UTC), "UTC")
    start = datetime(9999, 12, 29, tzinfo=UTC)

    assert [moment.astimezone(UTC).day for moment in dates(spec, start, n=10)] == [29, 30, 31]
    assert [moment.day for moment in dates(late, start, n=10)] == [29, 30, 31]


@pytest.mark.parametrize("interval", [timedelta(0), timedelta(seconds=-1), -DAY])
def test_non_positive_interval_is_rejected(interval: timedelta) -> None:
    with pytest.raises(ValueError, match=r"^interval must be positive$"):
        check_interval(interval)
    with pytest.raises(ValueError, match="interval must be positive"):
        dates(IntervalSpec(interval, datetime(2024, 1, 1, tzinfo=UTC), "UTC"), datetime.now(UTC))


def test_check_interval_returns_a_positive_interval() -> None:
    assert check_interval(timedelta(seconds=0.5)) == timedelta(seconds=0.5)


@pytest.mark.parametrize(
    ("interval", "zone"),
    [
        (HOUR, NY),
        (DAY, NY),
        (2 * DAY, "Europe/Amsterdam"),
        (36 * HOUR, NY),
        (DAY + timedelta(seconds=1), "Australia/Lord_Howe"),
        (DAY, "Pacific/Apia"),
    ],
)
def test_matches_the_formula_over_a_year_of_transitions(interval: timedelta, zone: str) -> None:
    anchor = local("2011-03-05T02:30", zone)
    start = datetime(2011, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=400)

    assert dates(IntervalSpec(interval, anchor, zone), start, end) == interval_oracle(
        IntervalSpec(interval, anchor, zone), start, end, 1000
    )
