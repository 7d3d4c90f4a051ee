"""Seeded random schedules, zones and windows for the differential test against Prefect.

Starts are drawn near the zone's DST transitions more often than not, since that is where the
two implementations can differ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec, ScheduleSpec
from deployq.occurrences.cronfields import compile_cron
from tests.unit.occurrences.zonefacts import transitions

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Amsterdam",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/St_Johns",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Asia/Tehran",
    "Africa/Casablanca",
    "Etc/GMT+5",
]
YEARS = (2012, 2030)


@dataclass
class Case:
    """One schedule and window; `payload` is what the reference script receives."""

    payload: dict[str, Any]
    spec: ScheduleSpec
    start: datetime
    end: datetime | None
    n: int | None
    exclusion: str | None = None


def _random_start(rng: random.Random, zone: str) -> datetime:
    low = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    high = datetime(YEARS[1], 1, 1, tzinfo=UTC)
    moment = low + (high - low) * rng.random()
    near = transitions(zone, moment - timedelta(days=400), moment + timedelta(days=400))
    if near and rng.random() < 0.6:
        moment = rng.choice(near).at + timedelta(hours=rng.uniform(-50, 50))
    moment = moment.replace(microsecond=0)
    if rng.random() < 0.5:
        moment = moment.replace(second=0)
    if rng.random() < 0.4:
        moment = moment.replace(minute=0)
    if rng.random() < 0.1:
        moment = moment.replace(microsecond=rng.randrange(1, 1_000_000))
    return moment.astimezone(ZoneInfo(zone)) if rng.random() < 0.5 else moment


def _window(
    rng: random.Random, start: datetime, typical: timedelta
) -> tuple[datetime | None, int | None]:
    if rng.random() < 0.5:
        return None, rng.randint(1, 60)
    end = start + typical * rng.uniform(0.5, 40)
    return end, (rng.randint(1, 80) if rng.random() < 0.5 else None)


SUB_DAY = [1, 59, 60, 300, 900, 1800, 3600, 5400, 7200, 10800, 61200, 82800]
WHOLE_DAYS = [86400, 86400, 172800, 259200, 604800]
DAYS_AND_SECONDS = [129600, 90000, 108000, 86401]
INTERVALS = SUB_DAY + WHOLE_DAYS + DAYS_AND_SECONDS  # in seconds


def _interval_case(rng: random.Random) -> Case:
    zone = rng.choice(ZONES)
    start = _random_start(rng, zone)
    seconds = rng.choice(INTERVALS) if rng.random() < 0.85 else rng.randint(1, 5 * 86400)
    anchor = start + timedelta(seconds=rng.uniform(-3 * 365 * 86400, 365 * 86400))
    anchor = anchor.replace(microsecond=anchor.microsecond if rng.random() < 0.1 else 0)
    anchor = anchor.astimezone(ZoneInfo(zone))
    end, n = _window(rng, start, timedelta(seconds=seconds))
    spec = IntervalSpec(timedelta(seconds=seconds), anchor, zone)
    payload = {
        "kind": "interval",
        "interval": seconds,
        "anchor": anchor.isoformat(),
        "timezone": zone,
    }
    return Case(payload, spec, start, end, n)


MINUTES = ["0", "*/5", "*/15", "30", "0,30", "*", "5-10", "15,45", "*/7", "59", "1-59/20"]
HOURS = ["*", "0", "1", "2", "3", "9", "*/2", "1-3", "0,12", "2,3", "22-23", "*/3", "0-1"]
DOMS = ["*", "*", "*", "1", "15", "31", "8-14", "1,15", "L", "29", "*/10", "30"]
MONTHS = ["*", "*", "*", "1", "2", "3,10", "*/3", "jan-mar", "11", "4-10"]
DOWS = ["*", "*", "*", "1-5", "0", "5", "mon,wed,fri", "6,0", "sat", "7", "5#2", "L5"]
KEYWORDS = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight", "@annually"]


def _cron_case(rng: random.Random) -> Case:
    zone = rng.choice(ZONES)
    start = _random_start(rng, zone)
    while True:
        if rng.random() < 0.07:
            expression = rng.choice(KEYWORDS)
        else:
            fields = [
                rng.choice(MINUTES),
                rng.choice(HOURS),
                rng.choice(DOMS),
                rng.choice(MONTHS),
                rng.choice(DOWS),
            ]
            expression = " ".join(fields)
        day_or = rng.random() < 0.7
        try:
            if compile_cron(expression, day_or).repeats:
                break
        except ValueError:
            continue
    end, n = _window(rng, start, timedelta(hours=6))
    payload = {"kind": "cron", "cron": expression, "timezone": zone, "day_or": day_or}
    return Case(payload, CronSpec(expression, zone, day_or), start, end, n)


def _rrule_text(rng: random.Random, start: datetime, zone: str) -> str:
    freq = rng.choice(
        ["YEARLY", "MONTHLY", "MONTHLY", "WEEKLY", "DAILY", "DAILY", "HOURLY", "MINUTELY"]
    )
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.4:
        parts.append(f"INTERVAL={rng.randint(2, 4)}")
    if freq in {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"} and rng.random() < 0.7:
        parts.append(
            "BYHOUR=" + ",".join(str(h) for h in sorted(rng.sample(range(24), rng.randint(1, 3))))
        )
        parts.append(f"BYMINUTE={rng.choice([0, 15, 30, 45])}")
    if freq in {"MONTHLY", "YEARLY"} and rng.random() < 0.4:
        parts.append(f"BYMONTHDAY={rng.choice([1, 15, 28, 31, -1])}")
    elif freq in {"MONTHLY", "WEEKLY", "DAILY"} and rng.random() < 0.4:
        parts.append("BYDAY=" + ",".join(rng.sample(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], 2)))
        if freq == "MONTHLY" and rng.random() < 0.5:
            parts.append(f"BYSETPOS={rng.choice([1, 2, -1])}")
    if freq == "YEARLY" and rng.random() < 0.5:
        parts.append(f"BYMONTH={rng.randint(1, 12)}")
    local_start = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    lines = []
    needs_dtstart = freq in {"HOURLY", "MINUTELY"}  # keeps Prefect's walk from 2020 short
    if needs_dtstart or rng.random() < 0.6:
        dtstart = local_start - timedelta(days=rng.uniform(-5, 200 if needs_dtstart else 900))
        if freq == "MINUTELY":
            dtstart = local_start - timedelta(days=rng.uniform(-0.5, 3))
        suffix = rng.choice(["", "", "Z"])
        lines.append(f"DTSTART:{dtstart:%Y%m%dT%H%M%S}{suffix}")
        if rng.random() < 0.2:
            parts.append(f"COUNT={rng.randint(1, 300)}")
        elif rng.random() < 0.2:
            until = local_start + timedelta(days=rng.uniform(-10, 60))
            parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}{suffix}")
    lines.append("RRULE:" + ";".join(parts))
    if rng.random() < 0.15:
        extra = local_start + timedelta(days=rng.uniform(0, 20))
        lines.append(f"RDATE:{extra:%Y%m%dT%H%M%S}")
    if rng.random() < 0.15:
        lines.append(f"EXDATE:{local_start:%Y%m%dT%H%M%S}")
    return "\n".join(lines)


def _rrule_case(rng: random.Random) -> Case:
    zone = rng.choice(ZONES)
    start = _random_start(rng, zone)
    if rng.random() < 0.5:
        start = start.replace(year=max(start.year, 2020))
    text = _rrule_text(rng, start, zone)
    end, n = _window(rng, start, timedelta(days=2))
    payload = {"kind": "rrule", "rrule": text, "timezone": zone}
    return Case(payload, RRuleSpec(text, zone), start, end, n)


def generate(seed: int, per_kind: int) -> list[Case]:
    rng = random.Random(seed)
    cases = [
        make(rng) for make in (_interval_case, _cron_case, _rrule_case) for _ in range(per_kind)
    ]
    for case in cases:
        case.payload.update(
            start=case.start.isoformat(),
            end=case.end.isoformat() if case.end else None,
            n=case.n,
        )
    return cases
