"""Which differential cases are left out of the comparison, and the rule behind each.

A case is classified from the schedule, the zone's transitions and deployq's own dates (e.g.
"one of them is the second 01:00 of a fall-back night"), never from Prefect's answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from deployq.occurrences import CronSpec, IntervalSpec, RRuleSpec
from deployq.occurrences.cronfields import compile_cron
from deployq.occurrences.rrulephase import parse
from tests.unit.occurrences.prefect_cases import Case
from tests.unit.occurrences.zonefacts import Transition, transitions

EXCLUSIONS = {
    "W4": "sub-day interval over a fall-back hour: Prefect drops the second 01:00 (R10, R22)",
    "R10-bounds": "interval whose start or end is a wall time repeated by a fall-back: Prefect "
    "compares them with the dates as same-zone datetimes, by wall time; R10 compares instants",
    "W8": "whole-day interval meeting a spring-forward gap at its clock time: Prefect keeps the "
    "pushed time for every later day (R22 re-derives each day from the anchor)",
    "W11": "interval mixing days and seconds across a DST transition: Prefect adds elapsed "
    "time (R22 splits days and seconds)",
    "R14-overlap": "whole-day interval whose clock time is repeated by a fall-back: Prefect "
    "takes the second occurrence, R14 the first",
    "R14-rrule-gap": "rrule occurrence inside a spring-forward gap: Prefect moves it back by the "
    "gap (dateutil's offset), R14 forward",
    "R32-nth": "cron with day_or, a restricted day of month and an nth weekday (5#2, L5): R32 "
    "takes either field; croniter intersects each side with the nth rule and Prefect then "
    "fails with 'failed to find next date'",
    "croniter-mar1": "reference defect, not a spec choice: a day-of-month list holding 1 and a "
    "day February lacks makes Prefect's vendored croniter skip 1 March "
    "(croniter 7, which deployq parses with, does not)",
    "croniter-or-empty": "reference defect, not a spec choice: with day_or and a day of month "
    "that never occurs in the allowed months (30 2), Prefect's vendored croniter fails instead "
    "of using the weekday field (croniter 7 and R32 use it)",
    "dateutil-negative-dst": "reference defect, not a spec choice: dateutil.tz (Prefect's rrule "
    "path) places the transitions of zones with negative DST (Casablanca, Dublin) an hour late",
    "dateutil-2037": "reference defect, not a spec choice: Prefect's rrule path reads offsets "
    "with dateutil.tz, which knows no DST rules after the zone file's last transition (2037); "
    "R14 needs the real offset",
}


def _spans_clock_time(transition: Transition, clock: datetime) -> bool:
    low, high = transition.local_span()
    for day in {low.date(), high.date()}:
        wall = datetime.combine(day, clock.time())
        if low <= wall < high:
            return True
    return False


def _ambiguous(moment: datetime) -> bool:
    """Whether the wall time of `moment` happens twice (it is in a fall-back overlap)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


def _interval_exclusion(case: Case, ours: list[datetime]) -> str | None:
    spec = case.spec
    assert isinstance(spec, IntervalSpec)
    local_bounds = [case.start] + ([case.end] if case.end else [])
    if any(_ambiguous(bound.astimezone(ZoneInfo(spec.timezone))) for bound in local_bounds):
        return "R10-bounds"
    if not spec.interval.days:
        return "W4" if any(moment.fold for moment in ours) else None
    return _day_interval_exclusion(case, spec, ours)


def _day_interval_exclusion(case: Case, spec: IntervalSpec, ours: list[datetime]) -> str | None:
    count = case.n if case.n is not None else (1000 if case.end else 1)
    reach = case.start + spec.interval * (count + 1) + timedelta(days=2)
    window_end = min(case.end, reach) if case.end else reach
    anchor = spec.anchor_date
    around = transitions(
        spec.timezone,
        min(anchor, case.start) - timedelta(days=2),
        max(window_end, anchor) + timedelta(days=2),
    )
    if not around:
        return None
    if spec.interval % timedelta(days=1):
        return "W11"
    clock = anchor.astimezone(ZoneInfo(spec.timezone))
    if any(t.is_gap and _spans_clock_time(t, clock) for t in around):
        return "W8"
    if any(_ambiguous(moment) for moment in ours):
        return "R14-overlap"
    return None


NEGATIVE_DST = frozenset({"Africa/Casablanca", "Africa/El_Aaiun", "Europe/Dublin"})


def _near_a_transition(zone: str, ours: list[datetime]) -> bool:
    if not ours:
        return False
    hours = timedelta(hours=3)
    around = transitions(zone, ours[0] - hours, ours[-1] + hours)
    return any(abs(moment - t.at) <= hours for t in around for moment in ours)


def _rrule_exclusion(case: Case, ours: list[datetime]) -> str | None:
    spec = case.spec
    assert isinstance(spec, RRuleSpec)
    if any(moment.year >= 2037 and moment.dst() for moment in ours):
        return "dateutil-2037"
    if spec.timezone in NEGATIVE_DST and _near_a_transition(spec.timezone, ours):
        return "dateutil-negative-dst"
    if not ours:
        return None
    tz = ZoneInfo(spec.timezone)
    last = max(ours[-1], case.end or ours[-1])
    day = timedelta(days=1)
    gaps = [t for t in transitions(spec.timezone, ours[0] - day, last) if t.is_gap]
    rules, _, rdates, _ = parse(spec.rrule)
    for gap in gaps:
        low, high = gap.local_span()
        walls = [d for d in rdates if low <= d < high]
        for rule in rules:
            walls.extend(wall for wall in rule.between(low, high, inc=True) if wall < high)
        for wall in walls:
            # R14 pushes a gap time forward; Prefect's dateutil pulls it back (fold=1)
            for fold in (0, 1):
                if case.start <= wall.replace(tzinfo=tz, fold=fold) <= last:
                    return "R14-rrule-gap"
    return None


def _cron_exclusion(case: Case, ours: list[datetime]) -> str | None:
    spec = case.spec
    assert isinstance(spec, CronSpec)
    fields = compile_cron(spec.cron, spec.day_or)
    if fields.either and fields.nth:
        return "R32-nth"
    if fields.either:
        minute, hour, day, month, _ = spec.cron.split()
        if not compile_cron(f"{minute} {hour} {day} {month} *", True).repeats:
            return "croniter-or-empty"
    dom = fields.dom or frozenset()
    if 1 in dom and max(dom) > 28 and any((m.month, m.day) == (3, 1) for m in ours):
        return "croniter-mar1"
    return None


def classify(case: Case, ours: list[datetime]) -> str | None:
    """The EXCLUSIONS key that covers `case`, or None when it must match Prefect exactly."""
    if isinstance(case.spec, IntervalSpec):
        return _interval_exclusion(case, ours)
    if isinstance(case.spec, CronSpec):
        return _cron_exclusion(case, ours)
    return _rrule_exclusion(case, ours)
