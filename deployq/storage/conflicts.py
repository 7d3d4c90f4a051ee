"""Unique constraints as `Conflict`s: a clash on a name or slug is the caller's mistake, not a
crash, so it becomes a `conflict` reply with a message that says which rule was broken."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.exc import IntegrityError

from deployq.errors import Conflict


@contextmanager
def conflict_on(constraint: str, message: str) -> Iterator[None]:
    """Raise `Conflict(message)` if the block breaks `constraint`; other errors pass through.

    Statements run through SQLAlchemy raise `IntegrityError`, compiled ones run on the driver
    raise asyncpg's own error: both are recognised.
    """
    try:
        yield
    except (IntegrityError, asyncpg.UniqueViolationError) as error:
        if constraint in str(getattr(error, "orig", error)):
            raise Conflict(message) from None
        raise
