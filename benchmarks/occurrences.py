"""Dates per second from deployq.occurrences, against same-run baselines (plain croniter, dateutil).

Each call asks for 100 dates in a 100-day window, as the scheduler does per deployment (R67),
with a start that moves between calls so no answer is reused.
Run: python -m benchmarks.occurrences [--seconds 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from croniter import croniter
from dateutil.rrule import rrulestr

from benchmarks.figures import figure, record
from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec, dates

NY = "America/New_York"
BASE = datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC)
WINDOW = timedelta(days=100)
RUNS = 100

CASES: list[tuple[str, ScheduleSpec]] = [
    ("interval 1 h, UTC", IntervalSpec(timedelta(hours=1), BASE - timedelta(days=900), "UTC")),
    ("interval 1 h, NY", IntervalSpec(timedelta(hours=1), BASE - timedelta(days=900), NY)),
    ("interval 1 d, NY", IntervalSpec(timedelta(days=1), BASE - timedelta(days=900), NY)),
    ("interval 36 h, NY", IntervalSpec(timedelta(hours=36), BASE - timedelta(days=900), NY)),
    ("cron */5 * * * *, UTC", CronSpec("*/5 * * * *")),
    ("cron 0 * * * *, NY", CronSpec("0 * * * *", NY)),
    ("cron 0 9 * * 1-5, NY", CronSpec("0 9 * * 1-5", NY)),
    ("cron 0 0 L * *, UTC", CronSpec("0 0 L * *")),
    ("rrule DAILY 09:00, NY", RRuleSpec("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", NY)),
    ("rrule HOURLY (no DTSTART)", RRuleSpec("FREQ=HOURLY")),
    ("rrule MINUTELY;INTERVAL=15", RRuleSpec("FREQ=MINUTELY;INTERVAL=15", NY)),
    ("rrule WEEKLY MO,WE,FR", RRuleSpec("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=6", NY)),
]


def measure(call: Callable[[datetime], int], seconds: float) -> tuple[float, float]:
    """Dates and calls per second of `call(start)`, which returns how many dates it made."""
    produced = 0
    calls = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        produced += call(BASE + timedelta(minutes=7 * calls))
        calls += 1
    elapsed = time.perf_counter() - began
    return produced / elapsed, calls / elapsed


def deployq_call(spec: ScheduleSpec) -> Callable[[datetime], int]:
    return lambda start: len(dates(spec, start, start + WINDOW, RUNS))


def croniter_call(expression: str) -> Callable[[datetime], int]:
    """Baseline: croniter itself, naive, UTC, no DST work at all."""

    def call(start: datetime) -> int:
        iterator = croniter(expression, start.replace(tzinfo=None))
        for _ in range(RUNS):
            iterator.get_next(datetime)
        return RUNS

    return call


def dateutil_call(text: str) -> Callable[[datetime], int]:
    """Baseline: dateutil walking from DTSTART 2020-01-01 on each call, naive."""

    def call(start: datetime) -> int:
        rule = rrulestr(text, dtstart=datetime(2020, 1, 1))  # noqa: DTZ001 - naive on purpose
        found = 0
        for _ in rule.xafter(start.replace(tzinfo=None), count=RUNS, inc=True):
            found += 1
        return found

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per case")
    parser.add_argument("--repeat", type=int, default=3, help="measures of each case")
    args = parser.parse_args()
    rows = [(name, deployq_call(spec)) for name, spec in CASES]
    rows += [("baseline: croniter " + e, croniter_call(e)) for e in ("*/5 * * * *", "0 9 * * 1-5")]
    rows += [
        ("baseline: dateutil from 2020 " + text, dateutil_call(text))
        for text in ("FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=15")
    ]
    found: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(args.repeat):  # case after case, then again: a burst hits no case alone
        for name, call in rows:
            found[name].append(measure(call, args.seconds)[0])
    print(f"dates per second, {RUNS} dates per call: median (min to max)")
    record([figure(f"dates/s: {name}", values, "/s") for name, values in found.items()])


if __name__ == "__main__":
    main()
