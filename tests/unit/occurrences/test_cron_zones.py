"""Cron schedules across zone transitions (R30–R33): local wall-clock matching mapped to instants
by R14, in the gaps and repeated hours of both hemispheres."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from deployq.occurrences import CronSpec, dates
from tests.unit.occurrences.moments import NY, iso, local, utc


def test_every_minute_skips_the_spring_forward_gap_once() -> None:
    found = dates(CronSpec("* * * * *", NY), local("2018-03-11T01:58", NY), n=5)

    assert iso(found) == [
        "2018-03-11T01:58:00-05:00",
        "2018-03-11T01:59:00-05:00",
        "2018-03-11T03:00:00-04:00",
        "2018-03-11T03:01:00-04:00",
        "2018-03-11T03:02:00-04:00",
    ]


def test_half_hourly_fires_once_in_the_repeated_hour() -> None:
    found = dates(CronSpec("*/30 * * * *", NY), local("2018-11-04T00:30", NY), n=4)

    assert iso(found) == [
        "2018-11-04T00:30:00-04:00",
        "2018-11-04T01:00:00-04:00",
        "2018-11-04T01:30:00-04:00",
        "2018-11-04T02:00:00-05:00",
    ]


def test_start_in_the_second_pass_of_a_repeated_hour() -> None:
    start = datetime(2018, 11, 4, 1, 10, fold=1, tzinfo=ZoneInfo(NY))  # 06:10 UTC

    found = dates(CronSpec("*/30 * * * *", NY), start, n=2)

    assert iso(found) == ["2018-11-04T02:00:00-05:00", "2018-11-04T02:30:00-05:00"]


def test_start_just_after_spring_forward_still_sees_the_moved_gap_times() -> None:
    # 02:30 does not exist on 2018-03-11; R14 makes it 03:30 EDT, which is after this start.
    found = dates(CronSpec("30 2 * * *", NY), local("2018-03-11T03:10", NY), n=2)

    assert iso(found) == ["2018-03-11T03:30:00-04:00", "2018-03-12T02:30:00-04:00"]


def test_southern_hemisphere_fall_back_takes_first_occurrence() -> None:
    # Sydney: 2024-04-07 03:00 AEDT -> 02:00 AEST, so 02:30 happens twice.
    found = dates(CronSpec("30 2 * * *", "Australia/Sydney"), utc("2024-04-05T00:00"), n=3)

    assert iso(found) == [
        "2024-04-06T02:30:00+11:00",
        "2024-04-07T02:30:00+11:00",
        "2024-04-08T02:30:00+10:00",
    ]


def test_half_hour_gap_moves_some_times_past_later_ones() -> None:
    # Lord Howe springs forward 30 minutes (02:00 -> 02:30) on 2023-10-01: 02:20 becomes
    # 02:50, which comes after the real 02:35, so the answer must be re-sorted.
    spec = CronSpec("20,35 2 * * *", "Australia/Lord_Howe")
    start = local("2023-10-01T00:00", "Australia/Lord_Howe")

    assert iso(dates(spec, start, n=3)) == [
        "2023-10-01T02:35:00+11:00",
        "2023-10-01T02:50:00+11:00",
        "2023-10-02T02:20:00+11:00",
    ]
    assert iso(dates(spec, start, n=1)) == ["2023-10-01T02:35:00+11:00"]


def test_gap_time_that_lands_on_a_real_time_is_one_date() -> None:
    spec = CronSpec("15,45 2 * * *", "Australia/Lord_Howe")
    start = local("2023-10-01T00:00", "Australia/Lord_Howe")

    assert iso(dates(spec, start, n=2)) == [
        "2023-10-01T02:45:00+11:00",
        "2023-10-02T02:15:00+11:00",
    ]
