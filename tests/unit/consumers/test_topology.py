"""Topology as values: the quorum queues' arguments, with and without a replica count."""

from __future__ import annotations

import pytest

from deployq.consumers.topology import Topology
from deployq.settings import Settings


def test_the_broker_chooses_the_replicas_unless_told() -> None:
    topology = Topology("ns", 7)
    assert topology.command_queue.arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 7,
        "x-dead-letter-exchange": "ns.dead",
    }
    assert topology.dead_queue.arguments == {"x-queue-type": "quorum"}


def test_an_initial_group_size_goes_to_both_quorum_queues() -> None:
    topology = Topology("ns", quorum_initial_group_size=3)
    for queue in (topology.command_queue, topology.dead_queue):
        assert queue.arguments["x-queue-type"] == "quorum"
        assert queue.arguments["x-quorum-initial-group-size"] == 3


def test_the_group_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEPLOYQ_QUORUM_INITIAL_GROUP_SIZE", raising=False)
    assert Settings().quorum_initial_group_size is None
    monkeypatch.setenv("DEPLOYQ_QUORUM_INITIAL_GROUP_SIZE", "3")
    assert Settings().quorum_initial_group_size == 3
    monkeypatch.setenv("DEPLOYQ_QUORUM_INITIAL_GROUP_SIZE", "0")
    with pytest.raises(ValueError, match="quorum_initial_group_size"):
        Settings()
