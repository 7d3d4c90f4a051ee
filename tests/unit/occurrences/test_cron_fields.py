"""Cron schedules' fields (R30–R33): month lengths, leap days, last and nth weekdays, `day_or`,
keywords, names, ranges, steps and lists; and a start between two seconds."""

from __future__ import annotations

import pytest

from deployq.occurrences import CronSpec, dates
from tests.unit.occurrences.moments import NY, iso, utc


def test_day_31_fires_only_in_long_months() -> None:
    found = dates(CronSpec("0 0 31 * *"), utc("2024-01-01T00:00"), n=7)

    assert [moment.date().isoformat() for moment in found] == [
        "2024-01-31",
        "2024-03-31",
        "2024-05-31",
        "2024-07-31",
        "2024-08-31",
        "2024-10-31",
        "2024-12-31",
    ]


def test_29_february_fires_in_leap_years_only() -> None:
    spec = CronSpec("0 0 29 2 *")

    assert [m.year for m in dates(spec, utc("2021-01-01T00:00"), n=3)] == [2024, 2028, 2032]
    assert [m.year for m in dates(spec, utc("2096-03-01T00:00"), n=2)] == [2104, 2108]


def test_last_day_of_month() -> None:
    found = dates(CronSpec("0 12 L 2,4 *"), utc("2023-01-01T00:00"), n=4)

    assert [moment.date().isoformat() for moment in found] == [
        "2023-02-28",
        "2023-04-30",
        "2024-02-29",
        "2024-04-30",
    ]


def test_nth_and_last_weekday() -> None:
    second_friday = dates(CronSpec("0 0 * * 5#2"), utc("2024-01-01T00:00"), n=2)
    last_friday = dates(CronSpec("0 0 * * L5"), utc("2024-01-01T00:00"), n=2)

    assert [m.day for m in second_friday] == [12, 9]
    assert [m.day for m in last_friday] == [26, 23]


def test_day_or_with_an_nth_weekday_takes_either_field() -> None:
    spec = CronSpec("0 0 1 * 5#2", day_or=True)

    found = dates(spec, utc("2024-01-01T00:00"), n=4)

    assert [moment.date().isoformat() for moment in found] == [
        "2024-01-01",
        "2024-01-12",
        "2024-02-01",
        "2024-02-09",
    ]


@pytest.mark.parametrize("day_or", [True, False])
def test_day_or_has_no_effect_when_a_day_field_is_a_star(day_or: bool) -> None:
    start = utc("2024-01-01T00:00")

    assert [m.day for m in dates(CronSpec("0 0 13 * *", day_or=day_or), start, n=2)] == [13, 13]
    assert [m.day for m in dates(CronSpec("0 0 * * 5", day_or=day_or), start, n=2)] == [5, 12]


def test_sub_second_start_after_a_match_skips_it() -> None:
    spec = CronSpec("* * * * *")

    assert dates(spec, utc("2024-01-01T00:00:00")) == [utc("2024-01-01T00:00")]
    assert dates(spec, utc("2024-01-01T00:00:00.5")) == [utc("2024-01-01T00:01")]
    assert dates(spec, utc("2024-01-01T00:00:01")) == [utc("2024-01-01T00:01")]


@pytest.mark.parametrize(
    ("keyword", "expansion"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
    ],
)
def test_keywords_mean_their_expansions(keyword: str, expansion: str) -> None:
    start = utc("2024-02-27T10:11")

    assert dates(CronSpec(keyword, NY), start, n=5) == dates(CronSpec(expansion, NY), start, n=5)


def test_names_ranges_steps_and_lists() -> None:
    found = dates(CronSpec("5-10/5 9 * jan-feb mon,fri", "UTC"), utc("2024-01-01T00:00"), n=4)

    assert iso(found) == [
        "2024-01-01T09:05:00+00:00",
        "2024-01-01T09:10:00+00:00",
        "2024-01-05T09:05:00+00:00",
        "2024-01-05T09:10:00+00:00",
    ]
