"""Cron schedules (R30-R33): local wall-clock matching, R14 mapping, validation."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from deployq.occurrences import CronSpec, check_cron, dates
from deployq.occurrences.cron import matching_walls
from deployq.occurrences.cronfields import compile_cron
from tests.unit.occurrences.oracles import cron_oracle
from tests.unit.occurrences.zonefacts import transitions

NY = "America/New_York"


def iso(found: list[datetime]) -> list[str]:
    return [moment.isoformat() for moment in found]


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


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


@pytest.mark.parametrize("expression", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"])
def test_an_expression_that_never_fires_gives_no_dates_quickly(expression: str) -> None:
    began = time.perf_counter()

    assert dates(CronSpec(expression), utc("2024-01-01T00:00"), n=5) == []
    assert dates(CronSpec(expression), utc("2024-01-01T00:00"), n=5) == []
    assert time.perf_counter() - began < 1.0


def test_a_rare_expression_is_found_far_ahead() -> None:
    # 29 February on a Monday, AND-ed: 2044 after 2016.
    found = dates(CronSpec("0 0 29 2 1", day_or=False), utc("2017-01-01T00:00"), n=1)

    assert iso(found) == ["2044-02-29T00:00:00+00:00"]


def test_end_is_inclusive_and_far_future_offsets_are_right() -> None:
    start = local("2040-03-11T00:00", NY)

    found = dates(CronSpec("0 */6 * * *", NY), start, local("2040-03-11T18:00", NY))

    assert iso(found) == [
        "2040-03-11T00:00:00-05:00",
        "2040-03-11T06:00:00-04:00",
        "2040-03-11T12:00:00-04:00",
        "2040-03-11T18:00:00-04:00",
    ]


@pytest.mark.parametrize(
    "expression",
    ["H * * * *", "0 H * * *", "r 0 * * *", "H(0-29)/5 * * * *", "0 0 * * H"],
)
def test_random_and_hashed_fields_are_rejected(expression: str) -> None:
    with pytest.raises(ValueError, match=r"^Random and Hashed expressions are unsupported"):
        check_cron(expression)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 0 * *", "expected 5 fields"),
        ("0 0 * * * *", "expected 5 fields"),
        ("0 0 1 1 * 2030", "expected 5 fields"),
        ("", "expected 5 fields"),
        ("@reboot", "expected 5 fields"),
        ("61 * * * *", ""),
        ("* 24 * * *", ""),
        ("0 0 32 * *", ""),
        ("0 0 * 13 *", ""),
        ("0 0 * * 8", ""),
        ("0 0 * foo *", ""),
        ("0 0 15W * *", "W, nearest weekday"),
        ("*/0 * * * *", ""),
        ("0 0 * * 1,5#2", ""),
    ],
)
def test_invalid_expressions_are_rejected(expression: str, reason: str) -> None:
    with pytest.raises(ValueError, match=r"^Invalid cron string") as raised:
        check_cron(expression)
    assert reason in str(raised.value)
    with pytest.raises(ValueError, match=r"^Invalid cron string"):
        dates(CronSpec(expression), utc("2024-01-01T00:00"))


def test_check_cron_returns_the_expression() -> None:
    assert check_cron("*/15 9-17 * * mon-fri") == "*/15 9-17 * * mon-fri"
    assert check_cron(" @daily ") == " @daily "


MINUTES = ["0", "*/5", "*/15", "30", "0,30", "*", "5-10", "15,45", "*/7", "59", "1-59/20"]
HOURS = ["*", "0", "1", "2", "9", "*/2", "1-3", "0,12", "22-23", "*/3"]
DOMS = ["*", "*", "1", "15", "31", "8-14", "1,15", "L", "29", "*/10", "30", "1,L", "20-31"]
MONTHS = ["*", "*", "1", "2", "3,10", "*/3", "jan-mar", "11", "feb,aug"]
DOWS = ["*", "*", "1-5", "0", "5", "mon,wed,fri", "6,0", "sat", "7", "5#2", "L5", "1#1,3#3"]


def test_matcher_agrees_with_croniter_on_random_expressions() -> None:
    rng = random.Random(7)
    compared = 0
    for _ in range(300):
        fields = [rng.choice(part) for part in (MINUTES, HOURS, DOMS, MONTHS, DOWS)]
        expression = " ".join(fields)
        day_or = rng.random() < 0.5
        compiled = compile_cron(expression, day_or)
        if not compiled.repeats or (compiled.either and compiled.nth):
            continue  # croniter fails there, or (with nth) intersects each side: see R32 note
        low = datetime(2000, 1, 1) + timedelta(minutes=rng.randrange(40 * 525_600))  # noqa: DTZ001
        reference = croniter(expression, low - timedelta(seconds=1), day_or=day_or)
        expected = [reference.get_next(datetime) for _ in range(60)]
        assert list(islice(matching_walls(compiled, low), 60)) == expected, expression
        compared += 1
    assert compared > 180


@pytest.mark.parametrize(
    "zone", [NY, "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Tehran"]
)
@pytest.mark.parametrize(
    "expression", ["*/20 * * * *", "30 2 * * *", "0 0-3 * * *", "45 1,2 * * 0", "0 0 * * *"]
)
def test_matches_croniter_and_r14_around_each_transition(zone: str, expression: str) -> None:
    spec = CronSpec(expression, zone)
    found_any = False
    for change in transitions(
        zone, datetime(2016, 1, 1, tzinfo=UTC), datetime(2018, 1, 1, tzinfo=UTC)
    ):
        for start in (change.at - timedelta(days=2), change.at + timedelta(minutes=10)):
            end = change.at + timedelta(days=2)
            found = dates(spec, start, end)
            assert found == cron_oracle(expression, True, zone, start, end, 1000)
            found_any = found_any or bool(found)
    assert found_any
