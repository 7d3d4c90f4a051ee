"""An rrule's INTERVAL is bounded like an interval schedule's: at most a century of its periods,
so re-anchoring a rule anywhere in the range of instants stays on the calendar. Its COUNT is
bounded, and rules that can never fire are known empty without a walk that would stall."""

from __future__ import annotations

import pytest

from deployq.occurrences import RRuleSpec, check_rrule, dates
from tests.unit.occurrences.moments import utc

LONGEST = [
    "FREQ=SECONDLY;INTERVAL=3153600000",
    "FREQ=MINUTELY;INTERVAL=52560000",
    "FREQ=HOURLY;INTERVAL=876000",
    "FREQ=DAILY;INTERVAL=36500",
    "FREQ=WEEKLY;INTERVAL=5214",
    "FREQ=MONTHLY;INTERVAL=1200",
    "FREQ=YEARLY;INTERVAL=100",
]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("FREQ=HOURLY;INTERVAL=876001", "INTERVAL must be at most 876000 for FREQ=HOURLY"),
        # Accepted before, then every schedule_runs on it was a conflict (timedelta overflow).
        ("DTSTART:00010101T000000\nRRULE:FREQ=HOURLY;INTERVAL=99999999999", "at most 876000"),
        ("FREQ=SECONDLY;INTERVAL=3153600001", "at most 3153600000 for FREQ=SECONDLY"),
        ("FREQ=WEEKLY;INTERVAL=5215", "at most 5214 for FREQ=WEEKLY"),
        ("FREQ=MONTHLY;INTERVAL=1201", "at most 1200 for FREQ=MONTHLY"),
        ("FREQ=YEARLY;INTERVAL=101", "at most 100 for FREQ=YEARLY"),
        ("FREQ=DAILY\nEXRULE:FREQ=DAILY;INTERVAL=36501", "at most 36500 for FREQ=DAILY"),
    ],
)
def test_an_interval_longer_than_a_century_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=r"^Invalid RRule string") as raised:
        check_rrule(text)
    assert reason in str(raised.value)


@pytest.mark.parametrize("rule", LONGEST)
@pytest.mark.parametrize("dtstart", ["00010102T000000", "20200101T000000", "89991231T000000"])
def test_the_longest_steps_are_computed_anywhere_in_the_range(rule: str, dtstart: str) -> None:
    text = f"DTSTART:{dtstart}\nRRULE:{rule}"
    assert check_rrule(text) == text
    for start in ("0001-01-02T00:00", "2031-06-01T00:00", "9000-01-01T00:00"):
        dates(RRuleSpec(text), utc(start), utc("9000-01-01T00:00"), n=3)


def test_a_count_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="COUNT must be at most 100000"):
        check_rrule("FREQ=DAILY;COUNT=9223372036854775808")


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        # Accepted before, then each computation searched minute after minute for ever.
        "FREQ=MINUTELY;BYSETPOS=-366",
        "FREQ=DAILY;BYHOUR=1,2,3;BYSETPOS=4",
        # Days that do not exist: dateutil walks every second of every other day to find none.
        "DTSTART:00010101T000000\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31;COUNT=5",
    ],
)
def test_rules_that_never_fire_answer_at_once(text: str) -> None:
    check_rrule(text)  # valid, merely empty (R42)
    assert dates(RRuleSpec(text, "UTC"), utc("2026-01-01T00:00"), utc("2026-06-01T00:00")) == []


def test_a_reachable_setpos_still_fires() -> None:
    found = dates(
        RRuleSpec("FREQ=DAILY;BYHOUR=1,2,3;BYSETPOS=3", "UTC"), utc("2026-01-01T00:00"), n=1
    )
    assert [d.hour for d in found] == [3]
