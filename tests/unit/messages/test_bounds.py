"""The shared bounds of messages/base.py, exactly at their edges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from deployq.messages.base import (
    INT32_MAX,
    INT64_MAX,
    MAX_SECONDS,
    Count,
    FilterList,
    Instant,
    Name,
    Offset,
    PositiveCount,
    Seconds,
)
from deployq.messages.schedules import IntervalSchedule


def accepts(annotation: Any, value: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("annotation", "low", "high"),
    [
        (Count, 0, INT32_MAX),
        (PositiveCount, 1, INT32_MAX),
        (Offset, 0, INT64_MAX),
        (Seconds, 0, MAX_SECONDS),
    ],
)
def test_numbers_are_bounded_inclusively(annotation: Any, low: int, high: int) -> None:
    assert accepts(annotation, low)
    assert accepts(annotation, high)
    assert not accepts(annotation, low - 1)
    assert not accepts(annotation, high + 1)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0001-01-02T00:00:00Z", True),
        ("0001-01-02T14:00:00+14:00", True),
        ("0001-01-01T23:59:59.999999Z", False),
        ("0001-01-02T00:00:00+00:01", False),
        ("9000-01-01T00:00:00Z", True),
        ("8999-12-31T12:00:00-12:00", True),
        ("9000-01-01T00:00:00.000001Z", False),
        ("9000-01-01T00:00:00-00:01", False),
        ("2000-01-01T00:00:00Z", True),
    ],
)
def test_instants_lie_between_year_1_plus_a_day_and_9000(value: str, ok: bool) -> None:
    assert accepts(Instant, value) is ok


def test_an_instant_out_of_range_says_the_range() -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Instant).validate_python(datetime.fromisoformat("9999-12-31T23:00:00+00:00"))
    (error,) = caught.value.errors()
    assert error["type"] == "datetime_out_of_range"
    assert error["msg"] == "must be between 0001-01-02T00:00:00Z and 9000-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("x" * 1000, True),
        ("x" * 1001, False),
        ("é" * 1000, True),  # 2,000 bytes
        ("漢" * 666, True),  # 1,998 bytes
        ("漢" * 667, False),  # 2,001 bytes
        ("", False),
    ],
)
def test_names_fit_an_index_row(value: str, ok: bool) -> None:
    assert accepts(Name, value) is ok


def test_filter_lists_hold_at_most_1000_items() -> None:
    assert accepts(FilterList[str], ["x"] * 1000)
    assert not accepts(FilterList[str], ["x"] * 1001)


@pytest.mark.parametrize(
    ("interval", "words"),
    [
        (0, "interval must be positive"),
        (-1e20, "interval must be positive"),
        (-1e308, "interval must be positive"),
        (1e-7, "at least 0.000001 seconds"),
        (MAX_SECONDS + 1, f"at most {MAX_SECONDS} seconds"),
        (1e308, f"at most {MAX_SECONDS} seconds"),
    ],
)
def test_intervals_are_checked_as_numbers(interval: float, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        IntervalSchedule.model_validate({"interval": interval})
    (error,) = caught.value.errors()
    assert words in error["msg"]
    assert not error["msg"].startswith("Value error")


@pytest.mark.parametrize("interval", [1e-6, 1, 60.5, MAX_SECONDS])
def test_intervals_within_bounds_are_kept_as_given(interval: float) -> None:
    assert IntervalSchedule.model_validate({"interval": interval}).interval == interval
