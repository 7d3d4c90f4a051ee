"""Pure date maths for schedules: interval, cron and rrule -> the instants they fire at (R10-R43).

No I/O and nothing from the rest of deployq: values in, datetimes out.
"""

from deployq.occurrences.api import dates
from deployq.occurrences.cronfields import check_cron
from deployq.occurrences.interval import check_interval
from deployq.occurrences.rrule import check_rrule
from deployq.occurrences.rrulephase import DEFAULT_DTSTART as DEFAULT_RRULE_DTSTART
from deployq.occurrences.rrulephase import MAX_RRULE_LENGTH
from deployq.occurrences.specs import (
    MAX_ITERATIONS,
    CronSpec,
    IntervalSpec,
    RRuleSpec,
    ScheduleSpec,
)
from deployq.occurrences.zones import check_timezone

__all__ = [
    "DEFAULT_RRULE_DTSTART",
    "MAX_ITERATIONS",
    "MAX_RRULE_LENGTH",
    "CronSpec",
    "IntervalSpec",
    "RRuleSpec",
    "ScheduleSpec",
    "check_cron",
    "check_interval",
    "check_rrule",
    "check_timezone",
    "dates",
]
