"""Timezone names (R15) and the R14 rule that turns a local wall-clock time into one instant.

R14 is exactly PEP 495's `fold=0`: a wall time inside a fall-back overlap takes the pre-transition
offset (its first occurrence) and one inside a spring-forward gap also takes the pre-transition
offset, which lands it the gap's length later. Everything here works on UTC-aware instants and
naive wall times; callers compare instants only in UTC (R10).
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the naive-UTC twin of _EPOCH_UTC
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_WALL = datetime(9999, 12, 31, 23, 59, 59, 999999)  # noqa: DTZ001 - naive wall time
_CEILING_MARGIN = timedelta(days=2)  # more than any difference between two UTC offsets (-12h..+14h)
_NOT_NAMES = frozenset({"localtime"})  # the machine's own zone, not an IANA name
# Zones that never change offset; resolving wall times there is plain subtraction.
_UTC_ALIASES = frozenset(
    {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu"}
)


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_NAMES


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA timezone name; offsets such as "-04:00" are not (R15)."""
    if not isinstance(name, str) or name not in _names():
        raise ValueError(
            f'unknown timezone "{name}": expected an IANA name such as America/New_York'
        )
    return name


@dataclass(frozen=True, slots=True)
class Zone:
    """A checked timezone; `fixed` is its constant UTC offset when it has no transitions at all."""

    tz: zoneinfo.ZoneInfo
    fixed: timedelta | None


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> Zone:
    tz = zoneinfo.ZoneInfo(check_timezone(name))
    fixed = None
    if name in _UTC_ALIASES or name.startswith("Etc/"):
        fixed = tz.utcoffset(datetime(2000, 1, 1, tzinfo=tz))
    return Zone(tz, fixed)


def utc_of(wall: datetime, z: Zone) -> datetime:
    """R14 on the cheap path: the instant of a naive local wall time, as a naive UTC time.

    `ZoneInfo.utcoffset` of a naive time with fold=0 is exactly the R14 offset.
    """
    if z.fixed is not None:
        return wall - z.fixed
    offset = z.tz.utcoffset(wall.replace(fold=0) if wall.fold else wall)
    assert offset is not None  # ZoneInfo always has an offset
    return wall - offset


def resolve(wall: datetime, z: Zone) -> datetime:
    """R14: the instant of a naive local wall time, as an aware UTC datetime."""
    return utc_of(wall, z).replace(tzinfo=UTC)


def offset_marking_gaps(wall: datetime, z: Zone) -> tuple[timedelta, bool]:
    """The R14 offset of a naive local wall time, and whether it lies in a spring-forward gap.

    `wall - offset` is then its instant as a naive UTC time. The exact gap test is needed only
    when the offset a day before or after differs (a transition is near), which is rare; this
    assumes no zone has two transitions within two days.
    """
    if z.fixed is not None:
        return z.fixed, False
    offset_at = z.tz.utcoffset
    offset = offset_at(wall)
    if 1 < wall.year < 9999 and offset == offset_at(wall - _DAY) == offset_at(wall + _DAY):
        assert offset is not None  # ZoneInfo always has an offset
        return offset, False
    first = wall.replace(tzinfo=z.tz, fold=0)
    before = first.utcoffset()
    after = first.replace(fold=1).utcoffset()
    assert before is not None
    assert after is not None
    return before, after > before


def in_zone(moments: list[datetime], z: Zone) -> list[datetime]:
    """Naive UTC times as aware datetimes in the zone (by epoch offset: `replace` is far slower)."""
    tz = z.tz
    return [(_EPOCH_UTC + (moment - _EPOCH)).astimezone(tz) for moment in moments]


def instant(value: datetime, z: Zone) -> datetime:
    """An aware value as a plain UTC datetime; a naive one is local wall-clock time (R11)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return resolve(value.replace(tzinfo=None), z)
    moved = value.astimezone(UTC)
    if type(moved) is not datetime:  # e.g. pendulum.DateTime: keep the arithmetic stdlib-only
        moved = datetime(
            moved.year,
            moved.month,
            moved.day,
            moved.hour,
            moved.minute,
            moved.second,
            moved.microsecond,
            tzinfo=UTC,
        )
    return moved


def local_wall(moment: datetime, z: Zone) -> datetime:
    """The naive local wall time of a UTC instant (fold dropped)."""
    if z.fixed is not None:
        return (moment + z.fixed).replace(tzinfo=None)
    return moment.astimezone(z.tz).replace(tzinfo=None, fold=0)


def wall_floor(start: datetime, z: Zone) -> datetime:
    """The earliest wall time whose R14 instant can be at or after `start`.

    Usually the wall time of `start` itself; but just after a spring-forward transition, wall
    times inside the gap resolve to instants after `start`, so the floor moves back by the gap.
    Assumes at most one transition within the day before `start`.
    """
    wall = local_wall(start, z)
    if z.fixed is not None or start.year == 1:
        return wall
    offset = start.astimezone(z.tz).utcoffset()
    day_before = (start - _DAY).astimezone(z.tz).utcoffset()
    assert offset is not None
    assert day_before is not None
    gap = offset - day_before
    if gap > timedelta(0) and (start - gap).astimezone(z.tz).utcoffset() != offset:
        return wall - gap
    return wall


def wall_ceiling(end: datetime, z: Zone) -> datetime:
    """A wall time after which every R14 instant is later than `end`."""
    wall = local_wall(end, z)
    if z.fixed is not None:
        return wall
    if wall > _LAST_WALL - _CEILING_MARGIN:
        return _LAST_WALL
    return wall + _CEILING_MARGIN
