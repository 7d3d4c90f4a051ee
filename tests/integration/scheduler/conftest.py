"""The scheduler's passes run with fixed clocks near the real one, and a second engine plays a
second scheduler process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from deployq.storage.database import Database, create_engine


@pytest.fixture
def now() -> datetime:
    """A fixed instant near the real clock, whole seconds so dates read easily."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def other_db(database_url: str) -> AsyncIterator[Database]:
    """A second engine: a second scheduler process's connections."""
    database = Database(create_engine(database_url, pool_size=2))
    yield database
    await database.dispose()
