"""Fault-suite fixtures: private RabbitMQ and PostgreSQL instances to break, the opt-in for the
full-size runs (`--full-faults`), and the summaries printed at the end of the run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.faults import summary
from tests.faults.instances import PostgresCluster, Unavailable
from tests.services import SERVICE_MARKS

FULL = "--full-faults"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Full-size runs are skipped unless asked for; tests that start private servers count as
    needing the services (`-m "not services"` leaves them out)."""
    skip = pytest.mark.skip(reason=f"a full-size fault run: pass {FULL} to run it")
    for item in items:
        if item.get_closest_marker("full_faults") and not config.getoption(FULL):
            item.add_marker(skip)
        names = getattr(item, "fixturenames", ())
        if "rabbit" in names or "postgres" in names:
            for mark in SERVICE_MARKS:
                item.add_marker(mark)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if summary.LINES:
        terminalreporter.section("fault suite")
        for line in summary.LINES:
            terminalreporter.write_line(line)


@pytest.fixture
def record_summary(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record this test's summary line (`<test id>: <line>`) for the end of the run."""

    def record(line: str) -> None:
        summary.record(f"{request.node.name}: {line}")

    return record


@pytest.fixture
async def postgres() -> AsyncIterator[PostgresCluster]:
    """A PostgreSQL cluster of this test's own, stopped and removed afterwards."""
    try:
        cluster = PostgresCluster()
    except Unavailable as why:
        pytest.skip(f"cannot start a private PostgreSQL cluster: {why}")
    async with cluster:
        yield cluster
