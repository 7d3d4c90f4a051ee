"""How the occurrence tests write instants: zones by name, local wall times, UTC, ISO strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NY = "America/New_York"
SYDNEY = "Australia/Sydney"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def iso(found: list[datetime]) -> list[str]:
    return [moment.isoformat() for moment in found]


def local(text: str, zone: str) -> datetime:
    """A wall time in `zone` (the first of a repeated hour: fold 0)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def at(text: str) -> datetime:
    """An instant written with its offset."""
    return datetime.fromisoformat(text)
