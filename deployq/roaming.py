"""aio-pika's robust connection over an address list, for the client.

Services hold deployq's own broker links (`deployq/broker.py`); the client keeps aio-pika's
robust connection, whose channels and consumers restore themselves, but that connection
reconnects to the one URL it was given. Here every connection attempt — the first and each
reconnect — takes the next address of the list, from a random start, so a client whose node
died moves to another node as a service does.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any

from aio_pika import RobustConnection
from aio_pika.abc import AbstractRobustConnection
from aio_pika.exceptions import AMQPError
from yarl import URL

from deployq.broker import TLSFiles, redacted, rotated
from deployq.settings import amqp_addresses

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 10.0


class RoamingConnection(RobustConnection):
    """aio-pika reads `url` once per connection attempt (`Connection.connect`): that read hands
    out the next address; logs and `str()` show the current one, without credentials."""

    def __init__(self, url: URL, *, addresses: Sequence[str], start: int, **kwargs: Any) -> None:
        self._addresses = [URL(a) for a in rotated(addresses, start)]
        self._next = 0
        self._current = self._addresses[0]
        super().__init__(url, **kwargs)
        self._next = 0  # __init__ read it once: the first attempt still takes the random start

    @property
    def url(self) -> URL:
        self._current = self._addresses[self._next % len(self._addresses)]
        self._next += 1
        return self._current

    @url.setter
    def url(self, value: URL) -> None:
        """aio-pika sets it once, from the first address: the list is what counts."""

    @property
    def current(self) -> str:
        """The address of the latest attempt, without credentials."""
        return redacted(str(self._current))

    def __str__(self) -> str:
        return self.current

    async def _on_connected(self) -> None:
        await super()._on_connected()
        log.info("deployq client: connected to the broker at %s", self.current)


async def open_connection(
    amqp_url: str, *, name: str, tls: TLSFiles | None = None, reconnect_interval: float = 1.0
) -> AbstractRobustConnection:
    """The one place the client connects: a roaming robust connection over the addresses of
    `amqp_url` (one URL, or several separated by commas). The first connect tries each address
    once, from a random start, and raises the last failure if none answers."""
    addresses = amqp_addresses(amqp_url)
    first = random.randrange(len(addresses))
    failure: Exception | None = None
    for step in range(len(addresses)):
        connection = RoamingConnection(
            URL(addresses[0]),
            addresses=addresses,
            start=(first + step) % len(addresses),
            reconnect_interval=reconnect_interval,
            ssl_context=(tls or TLSFiles()).context(),
            client_properties={"connection_name": name},
        )
        try:
            await connection.connect(timeout=CONNECT_TIMEOUT)
            return connection
        except (AMQPError, OSError, TimeoutError) as error:
            failure = error
            await connection.close()
    assert failure is not None
    raise failure
