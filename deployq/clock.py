"""The only place the current time is read, so tests can pass a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def fixed(instant: datetime) -> Clock:
    """A clock that always answers `instant` (tests)."""
    return lambda: instant
