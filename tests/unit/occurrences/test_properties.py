"""Properties every answer has, for random schedules, zones and windows (hypothesis).

For all three kinds: strictly increasing instants, within [start, end], at most n, equal to the
slow oracle of the same rule, and grid-invariant (R13): starting later only drops a prefix.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec, dates
from deployq.occurrences.cronfields import compile_cron
from tests.unit.occurrences.oracles import cron_oracle, interval_oracle, rrule_oracle

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Pacific/Apia",
    "Etc/GMT-14",
]
FIXED_ZONES = {"UTC", "Etc/GMT-14"}
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("DEPLOYQ_TEST_EXAMPLES", "250")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2008, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2032, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
counts = st.integers(min_value=1, max_value=30)


def check_answer(
    spec: ScheduleSpec, found: list[datetime], start: datetime, end: datetime | None, n: int
) -> None:
    in_utc = [moment.astimezone(UTC) for moment in found]
    assert all(a < b for a, b in pairwise(in_utc))
    assert all(moment >= start for moment in in_utc)
    assert end is None or all(moment <= end for moment in in_utc)
    assert len(found) <= n
    assert all(str(moment.tzinfo) == spec.timezone for moment in found)


def check_grid(spec: ScheduleSpec, found: list[datetime], end: datetime | None, n: int) -> None:
    """R13: from any later start, the answer is what is left of this one (as far as it goes)."""
    for later in [*found[1:3], found[-1] + timedelta(microseconds=1)] if found else []:
        kept = [moment for moment in found if moment >= later]
        assert dates(spec, later, end, n)[: len(kept)] == kept


intervals = st.one_of(
    st.sampled_from([60, 900, 3600, 5400, 86400, 172800, 604800, 129600, 90000]).map(
        lambda seconds: timedelta(seconds=seconds)
    ),
    st.integers(min_value=1, max_value=9 * 86400).map(lambda seconds: timedelta(seconds=seconds)),
    st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3)),
)


@PROPERTY_SETTINGS
@given(
    zone=zones,
    interval=intervals,
    anchor=instants,
    start=instants,
    n=counts,
    span=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)),
)
@example(  # an anchor in the hour Sydney repeats when summer time ends (found once at random)
    zone="Australia/Sydney",
    interval=timedelta(seconds=60),
    anchor=datetime(2008, 4, 5, 16, tzinfo=UTC),
    start=datetime(2008, 1, 1, tzinfo=UTC),
    n=3,
    span=timedelta(minutes=1),
)
def test_interval_properties(
    zone: str,
    interval: timedelta,
    anchor: datetime,
    start: datetime,
    n: int,
    span: timedelta | None,
) -> None:
    spec = IntervalSpec(interval, anchor, zone)
    end = start + span if span is not None else None

    found = dates(spec, start, end, n)

    check_answer(spec, found, start, end, n)
    assert found == interval_oracle(spec, start, end, n)
    if interval.days == 0 or zone in FIXED_ZONES:
        assert all((moment - anchor) % interval == timedelta(0) for moment in found)
    if end is None:
        assert len(found) == n
    check_grid(spec, found, end, n)


minutes = st.sampled_from(["0", "30", "0,30", "*/15", "5-10", "59", "*/20"])
hours = st.sampled_from(["*", "0", "1", "2", "3", "2,3", "9", "*/2", "1-3", "0,12", "22-23"])
doms = st.sampled_from(["*", "*", "1", "15", "31", "8-14", "L", "29", "*/10", "1,L"])
months = st.sampled_from(["*", "*", "*", "2", "3,10", "*/3", "jan-mar", "11"])
dows = st.sampled_from(["*", "*", "1-5", "0", "5", "sat,sun", "5#2", "L5"])


@PROPERTY_SETTINGS
@given(
    zone=zones,
    fields=st.tuples(minutes, hours, doms, months, dows),
    day_or=st.booleans(),
    start=instants,
    n=counts,
    span=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_cron_properties(
    zone: str,
    fields: tuple[str, str, str, str, str],
    day_or: bool,
    start: datetime,
    n: int,
    span: timedelta | None,
) -> None:
    expression = " ".join(fields)
    spec = CronSpec(expression, zone, day_or)
    end = start + span if span is not None else None
    compiled = compile_cron(expression, day_or)

    found = dates(spec, start, end, n)

    check_answer(spec, found, start, end, n)
    if compiled.repeats and not (compiled.either and compiled.nth):
        assert found == cron_oracle(expression, day_or, zone, start, end, n)
    check_grid(spec, found, end, n)


@st.composite
def rrules(draw: st.DrawFn, start: datetime) -> str:
    """A rule with DTSTART close enough to `start` for the oracle's walk to stay short."""
    freq, reach = draw(
        st.sampled_from(
            [
                ("YEARLY", 3000),
                ("MONTHLY", 2000),
                ("WEEKLY", 1500),
                ("DAILY", 900),
                ("HOURLY", 40),
                ("MINUTELY", 1),
            ]
        )
    )
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 5))}"]
    if freq in {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"} and draw(st.booleans()):
        parts.append(f"BYHOUR={draw(st.sampled_from(['0', '1', '2', '2,3', '9', '1,13']))}")
        parts.append(f"BYMINUTE={draw(st.sampled_from(['0', '20,35', '30', '45']))}")
    if freq in {"MONTHLY", "WEEKLY", "DAILY"} and draw(st.booleans()):
        parts.append(f"BYDAY={draw(st.sampled_from(['MO', 'SA,SU', 'TU,FR', '-1FR']))}")
        if freq == "MONTHLY" and "1FR" not in parts[-1] and draw(st.booleans()):
            parts.append(f"BYSETPOS={draw(st.sampled_from(['1', '-1', '2']))}")
    elif freq in {"MONTHLY", "YEARLY"} and draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.sampled_from(['1', '15', '31', '-1', '29']))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"COUNT={draw(st.integers(1, 400))}")
    back = draw(st.floats(min_value=-2, max_value=reach))
    dtstart = start.replace(tzinfo=None) - timedelta(days=back)
    dtstart = dtstart.replace(microsecond=0)
    return f"DTSTART:{dtstart:%Y%m%dT%H%M%S}\nRRULE:" + ";".join(parts)


@PROPERTY_SETTINGS
@given(
    data=st.data(),
    zone=zones,
    start=instants,
    n=counts,
    span=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_rrule_properties(
    data: st.DataObject, zone: str, start: datetime, n: int, span: timedelta | None
) -> None:
    text = data.draw(rrules(start))
    spec = RRuleSpec(text, zone)
    end = start + span if span is not None else None

    found = dates(spec, start, end, n)

    check_answer(spec, found, start, end, n)
    assert found == rrule_oracle(text, zone, start, end, n)
    check_grid(spec, found, end, n)
