"""Each connection attempt of the client's robust connection takes the next address."""

from __future__ import annotations

from yarl import URL

from deployq.roaming import RoamingConnection

ADDRESSES = [
    "amqp://u:secret@node1:5672/",
    "amqp://u:secret@node2:5672/",
    "amqp://u:secret@node3:5672/",
]


async def test_attempts_go_round_the_list_from_the_start_given() -> None:
    connection = RoamingConnection(URL(ADDRESSES[0]), addresses=ADDRESSES, start=1)
    tried = [connection.url.host for _ in range(4)]
    assert tried == ["node2", "node3", "node1", "node2"]


async def test_it_shows_the_latest_address_without_credentials() -> None:
    connection = RoamingConnection(URL(ADDRESSES[0]), addresses=ADDRESSES, start=2)
    assert connection.url.host == "node3"
    assert str(connection) == "amqp://node3:5672/"
    assert "secret" not in repr(connection)
    assert str(connection) == "amqp://node3:5672/"  # showing it tries nothing new
