"""RRule schedules (R40-R43): wall-clock rules, fixed default DTSTART, finished series, speed."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deployq.occurrences import MAX_RRULE_LENGTH, RRuleSpec, check_rrule, dates, rrulephase
from tests.unit.occurrences.moments import NY, iso, local, utc
from tests.unit.occurrences.oracles import rrule_oracle


def test_daily_time_in_the_spring_forward_gap_moves_forward_that_day_only() -> None:
    spec = RRuleSpec("DTSTART:20180101T000000\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30", NY)

    found = dates(spec, local("2018-03-10T00:00", NY), n=3)

    assert iso(found) == [
        "2018-03-10T02:30:00-05:00",
        "2018-03-11T03:30:00-04:00",
        "2018-03-12T02:30:00-04:00",
    ]


def test_daily_time_in_the_repeated_hour_is_its_first_occurrence() -> None:
    spec = RRuleSpec("DTSTART:20180101T000000\nRRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=30", NY)

    found = dates(spec, local("2018-11-03T00:00", NY), n=3)

    assert iso(found) == [
        "2018-11-03T01:30:00-04:00",
        "2018-11-04T01:30:00-04:00",
        "2018-11-05T01:30:00-05:00",
    ]


def test_hourly_rule_counts_local_hours_like_cron() -> None:
    spec = RRuleSpec("DTSTART:20181103T000000\nRRULE:FREQ=HOURLY", NY)

    found = dates(spec, local("2018-11-04T00:00", NY), n=4)

    assert iso(found) == [
        "2018-11-04T00:00:00-04:00",
        "2018-11-04T01:00:00-04:00",
        "2018-11-04T02:00:00-05:00",
        "2018-11-04T03:00:00-05:00",
    ]


def test_half_hour_gap_reorders_and_n_takes_the_earliest() -> None:
    spec = RRuleSpec("FREQ=DAILY;BYHOUR=2;BYMINUTE=20,35", "Australia/Lord_Howe")
    start = local("2023-10-01T00:00", "Australia/Lord_Howe")

    assert iso(dates(spec, start, n=1)) == ["2023-10-01T02:35:00+11:00"]
    assert iso(dates(spec, start, n=2)) == [
        "2023-10-01T02:35:00+11:00",
        "2023-10-01T02:50:00+11:00",
    ]


def test_without_dtstart_the_rule_starts_2020_01_01_local() -> None:
    spec = RRuleSpec("FREQ=YEARLY", NY)

    assert iso(dates(spec, utc("2015-06-01T00:00"), n=2)) == [
        "2020-01-01T00:00:00-05:00",
        "2021-01-01T00:00:00-05:00",
    ]


def test_without_dtstart_repeated_calls_agree() -> None:
    spec = RRuleSpec("FREQ=WEEKLY;INTERVAL=3;BYHOUR=7;BYMINUTE=0", "Europe/Paris")
    start = utc("2026-01-10T00:00")

    first = dates(spec, start, n=5)

    assert first == dates(spec, start, n=5)
    assert first[0].weekday() == 2  # 2020-01-01 was a Wednesday, and so is every third week on


@pytest.mark.parametrize(
    "dtstart",
    [
        "DTSTART:20240101T090000Z",
        "DTSTART;TZID=Europe/Paris:20240101T090000",
        "DTSTART:20240101T090000",
    ],
)
def test_dates_inside_the_rule_are_local_wall_clock(dtstart: str) -> None:
    spec = RRuleSpec(f"{dtstart}\nRRULE:FREQ=DAILY;UNTIL=20240103T090000Z", NY)

    found = dates(spec, utc("2023-12-01T00:00"), n=10)

    assert iso(found) == [
        "2024-01-01T09:00:00-05:00",
        "2024-01-02T09:00:00-05:00",
        "2024-01-03T09:00:00-05:00",
    ]


def test_nothing_before_dtstart() -> None:
    spec = RRuleSpec("DTSTART:20240315T120000\nRRULE:FREQ=DAILY", "UTC")

    assert iso(dates(spec, utc("2024-01-01T00:00"), n=1)) == ["2024-03-15T12:00:00+00:00"]


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;COUNT=3",
        "DTSTART:20230101T000000\nRRULE:FREQ=MINUTELY;COUNT=50",
        "DTSTART:20230101T000000\nRRULE:FREQ=HOURLY;UNTIL=20230102T000000",
        "DTSTART:20230101T000000\nRRULE:FREQ=DAILY;COUNT=2\nRDATE:20230601T000000",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_a_finished_or_empty_series_yields_nothing(text: str) -> None:
    began = time.perf_counter()

    assert dates(RRuleSpec(text, NY), utc("2024-01-01T00:00"), n=10) == []
    assert dates(RRuleSpec(text, NY), utc("2024-01-01T00:00"), n=10) == []
    assert time.perf_counter() - began < 2.0  # the empty YEARLY rule is probed once


def test_count_is_counted_from_dtstart() -> None:
    spec = RRuleSpec("DTSTART:20240101T000000\nRRULE:FREQ=HOURLY;COUNT=10", "UTC")

    found = dates(spec, utc("2024-01-01T07:30"), n=10)

    assert iso(found) == ["2024-01-01T08:00:00+00:00", "2024-01-01T09:00:00+00:00"]


def test_a_count_the_horizon_cannot_hold_ends_the_rule_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A COUNT not reached within the horizon after DTSTART ends there (deployq's bound), so no
    call ever walks from DTSTART."""
    monkeypatch.setattr(rrulephase, "_HORIZON_YEARS", 4)
    rrulephase.compile_rrule.cache_clear()
    leap_days = "DTSTART:20240101T000000\nRRULE:FREQ=YEARLY;COUNT=10;BYMONTH=2;BYMONTHDAY=29"

    found = dates(RRuleSpec(leap_days, "UTC"), utc("2024-01-01T00:00"), n=10)

    assert iso(found) == ["2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00"]
    rrulephase.compile_rrule.cache_clear()


def test_rrule_set_with_rdate_exdate_and_exrule() -> None:
    text = "\n".join(
        [
            "DTSTART:20240101T100000",
            "RRULE:FREQ=DAILY",
            "EXRULE:FREQ=WEEKLY;BYDAY=SA,SU",
            "EXDATE:20240103T100000",
            "RDATE:20240106T120000",
        ]
    )

    found = dates(RRuleSpec(text, "UTC"), utc("2024-01-01T00:00"), n=6)

    assert [moment.strftime("%m-%d %H") for moment in found] == [
        "01-01 10",
        "01-02 10",
        "01-04 10",
        "01-05 10",
        "01-06 12",
        "01-08 10",
    ]


def test_minutely_rule_from_2020_answers_quickly_and_exactly() -> None:
    spec = RRuleSpec("FREQ=MINUTELY;INTERVAL=7", NY)
    start = utc("2026-06-01T12:34:56")
    began = time.perf_counter()

    found = dates(spec, start, n=3)

    assert time.perf_counter() - began < 0.5
    minutes = found[0].astimezone(ZoneInfo(NY)).replace(tzinfo=None) - datetime(2020, 1, 1)  # noqa: DTZ001
    assert minutes % timedelta(minutes=7) == timedelta(0)
    assert found[0] - timedelta(minutes=7) < start <= found[0]


def test_secondly_rule_matches_walking_from_dtstart() -> None:
    text = "DTSTART:20240310T000007\nRRULE:FREQ=SECONDLY;INTERVAL=13;BYMINUTE=0,1,2"
    start = local("2024-03-10T03:00:00", NY)  # just after the spring-forward gap
    end = start + timedelta(hours=3)

    found = dates(RRuleSpec(text, NY), start, end)

    assert found == rrule_oracle(text, NY, start, end, 1000)
    assert len(found) > 30


@pytest.mark.parametrize(
    "text",
    [
        "DTSTART:20200131T093000\nRRULE:FREQ=MONTHLY;BYHOUR=9,17",
        "DTSTART:20200115T093000\nRRULE:FREQ=MONTHLY;INTERVAL=5;BYDAY=-1FR",
        "DTSTART:20200229T093000\nRRULE:FREQ=YEARLY",
        "DTSTART:20210705T000000\nRRULE:FREQ=YEARLY;INTERVAL=3;BYWEEKNO=20;BYDAY=MO",
        "DTSTART:20200101T000000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,MO",
        "DTSTART:20200101T000000\nRRULE:FREQ=DAILY;INTERVAL=10;BYMONTH=3,11",
        "DTSTART:20200101T000500\nRRULE:FREQ=HOURLY;INTERVAL=5;BYHOUR=1,2,3",
    ],
)
def test_moving_dtstart_forward_changes_nothing(text: str) -> None:
    start = local("2025-03-01T00:00", NY)
    end = start + timedelta(days=400)

    assert dates(RRuleSpec(text, NY), start, end) == rrule_oracle(text, NY, start, end, 1000)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("FREQ=SOMETIMES", "invalid 'FREQ'"),
        ("", "empty string"),
        ("DTSTART:not-a-date\nRRULE:FREQ=DAILY", ""),
        ("RRULE:FREQ=DAILY;BYHOUR=25", ""),
        ("FREQ=DAILY;COUNT=3;UNTIL=20240101T000000", "COUNT and UNTIL"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be at least 1"),
        ("FREQ=DAILY\nBOGUS:1", "unsupported property"),
        ("RRULE:FREQ=DAILY;FOO=1", "unknown parameter"),
    ],
)
def test_invalid_rules_are_rejected_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=r"^Invalid RRule string") as raised:
        check_rrule(text)
    assert reason in str(raised.value)
    with pytest.raises(ValueError, match=r"^Invalid RRule string"):
        dates(RRuleSpec(text), utc("2024-01-01T00:00"))


def test_a_rule_longer_than_6500_characters_is_rejected() -> None:
    dates_list = ",".join(
        f"{year}{month:02d}{day:02d}T000000"
        for year in (2024, 2025)
        for month in range(1, 13)
        for day in range(1, 29)
    )
    text = f"FREQ=DAILY\nRDATE:{dates_list}"
    assert len(text) > MAX_RRULE_LENGTH

    with pytest.raises(ValueError, match=f"max length is {MAX_RRULE_LENGTH}, got {len(text)}"):
        check_rrule(text)
    shorter = f"FREQ=DAILY\nRDATE:{dates_list[:6400].rsplit(',', 1)[0]}"
    assert check_rrule(shorter) == shorter
