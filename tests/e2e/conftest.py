"""End-to-end fixtures: the session worker on the run's namespace, reached over real AMQP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from deployq.bootstrap import Deps
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import ok, unique


@pytest.fixture(scope="session")
async def wire(worker: Deps, settings: Settings) -> AsyncIterator[Wire]:
    """Raw AMQP access to the session worker; it also drains the run's dead-letter queue."""
    connected = await Wire.connect(settings.amqp_url, settings.namespace)
    await connected.watch_dead_letters(settings.namespace)
    yield connected
    await connected.close()


@pytest.fixture
async def flow(wire: Wire) -> dict[str, Any]:
    """A flow of this test's own, made over the wire."""
    created: dict[str, Any] = ok(await wire.write("flow.create", {"name": unique("flow")}))
    return created
