"""The relay tells a change of state once: an outage that fails attempt after attempt is one
warning, and leading again is one line, however often it flapped in between."""

from __future__ import annotations

import logging

import pytest

from deployq.broker import Broker
from deployq.clock import utcnow
from deployq.consumers.topology import Topology
from deployq.metrics import Metrics
from deployq.relay.loop import Relay
from deployq.storage.database import Database, create_engine

URL = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"  # never reached: nothing connects


def relay() -> Relay:
    return Relay(
        db=Database(create_engine(URL, pool_size=1)),
        database_url=URL,
        broker=Broker(["amqp://127.0.0.1:1/"], name="test"),
        topology=Topology("t"),
        clock=utcnow,
        metrics=Metrics(),
    )


def test_a_flapping_relay_logs_each_change_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="deployq.relay.loop")
    flapping = relay()
    flapping._leading()
    for _ in range(5):
        flapping._interrupted(ConnectionError("connection reset"), 0.2)
        flapping._leading()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert said == [
        ("INFO", "outbox relay leading"),
        ("WARNING", "outbox relay interrupted (connection reset); retrying with backoff"),
        ("INFO", "outbox relay leading after 1 interruption(s)"),
    ]
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 4  # the rest, quietly
