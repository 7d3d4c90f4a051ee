"""Cron expressions checked (R30–R33): what never fires or fires rarely, the bounds of a search,
the expressions refused and why, and agreement with croniter and R14 on many expressions."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from croniter import croniter

from deployq.occurrences import CronSpec, check_cron, dates
from deployq.occurrences.cron import matching_walls
from deployq.occurrences.cronfields import compile_cron
from tests.unit.occurrences.moments import NY, iso, local, utc
from tests.unit.occurrences.oracles import cron_oracle
from tests.unit.occurrences.zonefacts import transitions


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
