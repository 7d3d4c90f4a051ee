"""RRule schedules (R40-R43): dateutil expands the rule on local wall-clock times.

Every date-time in the rule is read as wall-clock time in the schedule's zone (R41), so the rule
is parsed with all zones ignored and iterated naive; R14 then maps each occurrence to an instant.
To keep calls cheap however old DTSTART is (R43, R75), each rule's DTSTART is moved forward by a
whole number of its periods to just before the query; the occurrences from there on are the same
because a rule's pattern repeats every period (see `rrulephase`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dateutil.rrule import rrule, rruleset

from deployq.occurrences.rrulephase import CompiledRRule, Rule, compile_rrule, parse
from deployq.occurrences.specs import RRuleSpec
from deployq.occurrences.walls import collect
from deployq.occurrences.zones import wall_ceiling, wall_floor, zone


def check_rrule(text: str) -> str:
    """Return `text` if it is a usable RFC 5545 rule (R40); ValueError with the reason if not.

    Parses only: a rule that is valid but has finished, or never fires, is not an error (R42).
    """
    parse(text)
    return text


def rrule_dates(spec: RRuleSpec, start: datetime, end: datetime | None, n: int) -> list[datetime]:
    """R40-R43 for UTC `start`/`end`; at most `n` (<= MAX_ITERATIONS) dates."""
    compiled = compile_rrule(spec.rrule)
    z = zone(spec.timezone)
    low = wall_floor(start, z)
    high = wall_ceiling(end, z) if end is not None else None
    walls = _walls_from(compiled, low, high)
    if walls is None:
        return []
    return collect(walls, z, start, end, n)


def _walls_from(
    compiled: CompiledRRule, low: datetime, high: datetime | None
) -> Iterator[datetime] | None:
    rules = [near for rule in compiled.rules if (near := _near(rule, low, high)) is not None]
    rdates = [d for d in compiled.rdates if d >= low and (high is None or d <= high)]
    if not rules and not rdates:
        return None  # a finished series (R42)
    exrules = [near for rule in compiled.exrules if (near := _near(rule, low, high)) is not None]
    if len(rules) == 1 and not rdates and not exrules and not compiled.exdates:
        return rules[0].xafter(low, inc=True)
    combined = rruleset()
    for each in rules:
        combined.rrule(each)
    for each in exrules:
        combined.exrule(each)
    for moment in rdates:
        combined.rdate(moment)
    for moment in compiled.exdates:
        combined.exdate(moment)
    return combined.xafter(low, inc=True)


def _near(rule: Rule, low: datetime, high: datetime | None) -> rrule | None:
    """`rule` re-anchored just before `low` and cut after `high`; None when it ends before `low`."""
    if rule.count is not None:
        return rule.rule  # COUNT counts from the original DTSTART: nothing may move
    if rule.until is not None and rule.until < low:
        return None
    dtstart = rule.phase_start(low)
    until = rule.until if high is None or (rule.until is not None and rule.until < high) else high
    if dtstart == rule.dtstart and until == rule.until:
        return rule.rule
    return rule.rule.replace(dtstart=dtstart, until=until)
