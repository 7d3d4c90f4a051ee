"""Rules every schedule shares (R10-R13, R15) and how `dates()` reads its arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest

from deployq.occurrences import (
    MAX_ITERATIONS,
    CronSpec,
    IntervalSpec,
    RRuleSpec,
    ScheduleSpec,
    check_timezone,
    dates,
)
from tests.unit.occurrences.moments import NY

START = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
SPECS: list[ScheduleSpec] = [
    IntervalSpec(timedelta(minutes=1), START, NY),
    CronSpec("* * * * *", NY),
    RRuleSpec("DTSTART:20240101T000000\nRRULE:FREQ=MINUTELY", NY),
]


@pytest.mark.parametrize("spec", SPECS)
def test_n_defaults_to_one_without_end(spec: ScheduleSpec) -> None:
    assert len(dates(spec, START)) == 1


@pytest.mark.parametrize("spec", SPECS)
def test_n_defaults_to_the_cap_with_end(spec: ScheduleSpec) -> None:
    found = dates(spec, START, START + timedelta(days=3))

    assert len(found) == MAX_ITERATIONS


@pytest.mark.parametrize("spec", SPECS)
def test_never_more_than_the_cap(spec: ScheduleSpec) -> None:
    assert len(dates(spec, START, n=5000)) == MAX_ITERATIONS


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("n", [0, -3])
def test_n_below_one_gives_nothing(spec: ScheduleSpec, n: int) -> None:
    assert dates(spec, START, n=n) == []


@pytest.mark.parametrize("spec", SPECS)
def test_end_before_start_gives_nothing(spec: ScheduleSpec) -> None:
    assert dates(spec, START, START - timedelta(seconds=1)) == []


@pytest.mark.parametrize("spec", SPECS)
def test_results_are_aware_in_the_schedule_zone_and_distinct_in_utc(spec: ScheduleSpec) -> None:
    start = datetime(2018, 11, 4, 4, 30, tzinfo=UTC)  # just before New York's repeated hour

    found = dates(spec, start, n=150)

    assert all(moment.tzinfo == ZoneInfo(NY) for moment in found)
    in_utc = [moment.astimezone(UTC) for moment in found]
    assert in_utc == sorted(set(in_utc))


def test_candidate_cap_counts_candidates_not_dates() -> None:
    # Every minute of the skipped hour is a candidate that resolves onto 03:xx: 60 of the
    # 1000 candidates produce no new date.
    spec = CronSpec("* * * * *", NY)
    start = datetime(2018, 3, 11, 1, 0, tzinfo=ZoneInfo(NY))

    found = dates(spec, start, start + timedelta(days=2))

    assert len(found) == MAX_ITERATIONS - 60


def test_naive_start_and_end_are_local_wall_clock() -> None:
    spec = CronSpec("0 * * * *", NY)

    found = dates(spec, datetime(2024, 7, 1, 9), datetime(2024, 7, 1, 11))  # noqa: DTZ001

    assert [moment.isoformat() for moment in found] == [
        "2024-07-01T09:00:00-04:00",
        "2024-07-01T10:00:00-04:00",
        "2024-07-01T11:00:00-04:00",
    ]


def test_naive_start_in_a_gap_is_read_by_r14() -> None:
    spec = CronSpec("*/15 * * * *", NY)

    found = dates(spec, datetime(2018, 3, 11, 2, 40))  # noqa: DTZ001 - 02:40 -> 03:40 EDT

    assert found[0].isoformat() == "2018-03-11T03:45:00-04:00"


@pytest.mark.parametrize(
    "start",
    [
        pendulum.datetime(2024, 1, 1, 12, tz="Europe/Paris"),
        datetime(2024, 1, 1, 6, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2024, 1, 1, 11, tzinfo=UTC),
    ],
)
def test_any_aware_start_means_its_instant(start: datetime) -> None:
    found = dates(CronSpec("0 * * * *", "Asia/Tokyo"), start)

    assert found[0].isoformat() == "2024-01-01T20:00:00+09:00"
    assert type(found[0]) is datetime


@pytest.mark.parametrize("spec", SPECS)
def test_grid_invariance(spec: ScheduleSpec) -> None:
    early = dates(spec, START, n=300)
    for later in (START + timedelta(seconds=1), early[7], early[100] + timedelta(microseconds=1)):
        again = dates(spec, later, n=50)
        assert again == [moment for moment in early if moment >= later][:50]


@pytest.mark.parametrize(
    "name", ["America/New_York", "UTC", "Etc/GMT+5", "Europe/Kyiv", "US/Eastern", "EST5EDT"]
)
def test_iana_names_are_timezones(name: str) -> None:
    assert check_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    ["-04:00", "+05:30", "america/new_york", "", "Mars/Olympus", "localtime", "EST+5", "../etc"],
)
def test_other_names_are_not_timezones(name: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown timezone"):
        check_timezone(name)
    with pytest.raises(ValueError, match=r"^unknown timezone"):
        dates(CronSpec("* * * * *", name), START)


def test_a_value_that_is_not_a_schedule_is_a_type_error() -> None:
    class Imposter:
        timezone = "UTC"

    bogus: Any = Imposter()
    with pytest.raises(TypeError):
        dates(bogus, START)
