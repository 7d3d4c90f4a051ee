"""Facts about a zone's UTC-offset transitions, found by probing; used to classify test cases."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_PROBE = timedelta(hours=6)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Transition:
    at: datetime  # the first instant (UTC) with the new offset
    before: timedelta
    after: timedelta

    @property
    def is_gap(self) -> bool:
        return self.after > self.before

    def local_span(self) -> tuple[datetime, datetime]:
        """Naive wall times skipped (gap) or repeated (overlap) by this transition."""
        low = (self.at + min(self.before, self.after)).replace(tzinfo=None)
        high = (self.at + max(self.before, self.after)).replace(tzinfo=None)
        return low, high


def _offset(tz: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


@functools.cache
def _year(name: str, year: int) -> tuple[Transition, ...]:
    tz = ZoneInfo(name)
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    stop = datetime(year + 1, 1, 1, tzinfo=UTC)
    current = _offset(tz, moment)
    while moment < stop:
        probe = moment + _PROBE
        offset = _offset(tz, probe)
        if offset != current:
            low, high = moment, probe  # offset(low) == current, offset(high) != current
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(tz, middle) == current:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high, current, _offset(tz, high)))
            current = _offset(tz, high)
        moment = probe
    return tuple(found)


def transitions(name: str, low: datetime, high: datetime) -> list[Transition]:
    """Transitions with `low <= at <= high` (aware datetimes)."""
    found: list[Transition] = []
    for year in range(max(low.year - 1, 1), min(high.year + 1, 9998) + 1):
        found.extend(t for t in _year(name, year) if low <= t.at <= high)
    return found
