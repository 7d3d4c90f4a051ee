"""The spec's worked examples W1-W21, each asserting exact instants and the offsets shown."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec, dates
from tests.unit.occurrences.moments import DAY, HOUR, NY, at, local

EXAMPLES: list[tuple[str, ScheduleSpec, datetime, datetime | None, int | None, list[str]]] = [
    (
        "W1",
        IntervalSpec(DAY, at("2021-01-01T00:00:00+00:00"), "UTC"),
        at("2021-02-02T00:00:00+00:00"),
        None,
        3,
        ["2021-02-02T00:00:00+00:00", "2021-02-03T00:00:00+00:00", "2021-02-04T00:00:00+00:00"],
    ),
    (
        "W2",
        IntervalSpec(DAY, at("2020-02-02T23:35:00+00:00"), "UTC"),
        at("2021-07-01T00:00:00+00:00"),
        None,
        2,
        ["2021-07-01T23:35:00+00:00", "2021-07-02T23:35:00+00:00"],
    ),
    (
        "W3",
        IntervalSpec(17 * HOUR, at("2030-02-02T05:24:00+00:00"), "UTC"),
        at("2021-07-01T00:00:00+00:00"),
        None,
        3,
        ["2021-07-01T07:24:00+00:00", "2021-07-02T00:24:00+00:00", "2021-07-02T17:24:00+00:00"],
    ),
    (
        "W4",
        IntervalSpec(HOUR, at("2018-11-03T23:00:00-04:00"), NY),
        at("2018-11-03T23:00:00-04:00"),
        None,
        5,
        [
            "2018-11-03T23:00:00-04:00",
            "2018-11-04T00:00:00-04:00",
            "2018-11-04T01:00:00-04:00",
            "2018-11-04T01:00:00-05:00",
            "2018-11-04T02:00:00-05:00",
        ],
    ),
    (
        "W5",
        IntervalSpec(HOUR, at("2018-01-01T00:00:00-05:00"), NY),
        at("2018-03-10T23:00:00-05:00"),
        None,
        5,
        [
            "2018-03-10T23:00:00-05:00",
            "2018-03-11T00:00:00-05:00",
            "2018-03-11T01:00:00-05:00",
            "2018-03-11T03:00:00-04:00",
            "2018-03-11T04:00:00-04:00",
        ],
    ),
    (
        "W6",
        IntervalSpec(DAY, local("2018-03-08T09:00", NY), NY),
        local("2018-03-08T09:00", NY),
        None,
        5,
        [
            "2018-03-08T09:00:00-05:00",
            "2018-03-09T09:00:00-05:00",
            "2018-03-10T09:00:00-05:00",
            "2018-03-11T09:00:00-04:00",
            "2018-03-12T09:00:00-04:00",
        ],
    ),
    (
        "W7",
        IntervalSpec(DAY, at("2018-01-02T09:00:00-05:00"), NY),
        at("2018-07-01T00:00:00+00:00"),
        None,
        2,
        ["2018-07-01T09:00:00-04:00", "2018-07-02T09:00:00-04:00"],
    ),
    (
        "W8",
        IntervalSpec(DAY, local("2018-03-09T02:30", NY), NY),
        at("2018-03-09T07:00:00+00:00"),
        None,
        4,
        [
            "2018-03-09T02:30:00-05:00",
            "2018-03-10T02:30:00-05:00",
            "2018-03-11T03:30:00-04:00",
            "2018-03-12T02:30:00-04:00",
        ],
    ),
    (
        "W9",
        IntervalSpec(DAY, at("2024-01-01T09:00:00-05:00"), "UTC"),
        at("2024-07-01T00:00:00+00:00"),
        None,
        2,
        ["2024-07-01T14:00:00+00:00", "2024-07-02T14:00:00+00:00"],
    ),
    (
        "W10",
        IntervalSpec(2 * DAY, local("2023-03-24T10:00", "Europe/Amsterdam"), "Europe/Amsterdam"),
        local("2023-03-24T10:00", "Europe/Amsterdam"),
        None,
        2,
        ["2023-03-24T10:00:00+01:00", "2023-03-26T10:00:00+02:00"],
    ),
    (
        "W11",
        IntervalSpec(36 * HOUR, local("2018-11-03T00:00", NY), NY),
        local("2018-11-03T00:00", NY),
        None,
        3,
        ["2018-11-03T00:00:00-04:00", "2018-11-04T11:00:00-05:00", "2018-11-06T00:00:00-05:00"],
    ),
    (
        "W12",
        CronSpec("0 * * * *", NY),
        at("2018-11-03T23:00:00-04:00"),
        None,
        5,
        [
            "2018-11-03T23:00:00-04:00",
            "2018-11-04T00:00:00-04:00",
            "2018-11-04T01:00:00-04:00",
            "2018-11-04T02:00:00-05:00",
            "2018-11-04T03:00:00-05:00",
        ],
    ),
    (
        "W13",
        CronSpec("0 * * * *", NY),
        at("2018-03-10T23:00:00-05:00"),
        None,
        5,
        [
            "2018-03-10T23:00:00-05:00",
            "2018-03-11T00:00:00-05:00",
            "2018-03-11T01:00:00-05:00",
            "2018-03-11T03:00:00-04:00",
            "2018-03-11T04:00:00-04:00",
        ],
    ),
    (
        "W14",
        CronSpec("30 2 * * *", NY),
        at("2018-03-10T00:00:00-05:00"),
        None,
        3,
        ["2018-03-10T02:30:00-05:00", "2018-03-11T03:30:00-04:00", "2018-03-12T02:30:00-04:00"],
    ),
    (
        "W15",
        CronSpec("30 1 * * *", NY),
        at("2018-11-03T00:00:00-04:00"),
        None,
        3,
        ["2018-11-03T01:30:00-04:00", "2018-11-04T01:30:00-04:00", "2018-11-05T01:30:00-05:00"],
    ),
    (
        "W16",
        CronSpec("10 0 * * *", "America/Montreal"),
        at("2023-03-12T05:10:02+00:00"),
        None,
        3,
        ["2023-03-13T00:10:00-04:00", "2023-03-14T00:10:00-04:00", "2023-03-15T00:10:00-04:00"],
    ),
    (
        "W17",
        CronSpec("0 0 8-14 * 5", "UTC", day_or=False),
        at("2024-01-01T00:00:00+00:00"),
        None,
        3,
        ["2024-01-12T00:00:00+00:00", "2024-02-09T00:00:00+00:00", "2024-03-08T00:00:00+00:00"],
    ),
    (
        "W18",
        CronSpec("0 0 8-14 * 5", "UTC", day_or=True),
        at("2024-01-01T00:00:00+00:00"),
        None,
        4,
        [
            "2024-01-05T00:00:00+00:00",
            "2024-01-08T00:00:00+00:00",
            "2024-01-09T00:00:00+00:00",
            "2024-01-10T00:00:00+00:00",
        ],
    ),
    (
        "W19",
        RRuleSpec("DTSTART:20230608T130000\nFREQ=WEEKLY;BYDAY=FR", "UTC"),
        at("2023-06-08T00:00:00+00:00"),
        at("2023-06-29T00:00:00+00:00"),
        None,
        ["2023-06-09T13:00:00+00:00", "2023-06-16T13:00:00+00:00", "2023-06-23T13:00:00+00:00"],
    ),
    (
        "W20",
        RRuleSpec("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", NY),
        at("2024-11-02T00:00:00-04:00"),
        None,
        3,
        ["2024-11-02T09:00:00-04:00", "2024-11-03T09:00:00-05:00", "2024-11-04T09:00:00-05:00"],
    ),
    (
        "W21",
        RRuleSpec(
            "DTSTART:20200101T000000\n"
            "RRULE:FREQ=MONTHLY;INTERVAL=2;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"
        ),
        at("2020-01-01T00:00:00+00:00"),
        None,
        3,
        ["2020-01-31T00:00:00+00:00", "2020-03-31T00:00:00+00:00", "2020-05-29T00:00:00+00:00"],
    ),
]


@pytest.mark.parametrize(
    ("spec", "start", "end", "n", "expected"),
    [pytest.param(*example[1:], id=example[0]) for example in EXAMPLES],
)
def test_worked_example(
    spec: ScheduleSpec,
    start: datetime,
    end: datetime | None,
    n: int | None,
    expected: list[str],
) -> None:
    found = dates(spec, start, end, n)

    assert [moment.isoformat() for moment in found] == expected
    assert all(moment.tzinfo == ZoneInfo(spec.timezone) for moment in found)


def test_w19_end_is_inclusive() -> None:
    spec = RRuleSpec("DTSTART:20230608T130000\nFREQ=WEEKLY;BYDAY=FR", "UTC")

    found = dates(spec, at("2023-06-08T00:00:00+00:00"), at("2023-06-23T13:00:00+00:00"))

    assert found[-1] == at("2023-06-23T13:00:00+00:00")
