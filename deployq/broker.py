"""Connections to RabbitMQ: one address or several (a cluster's nodes), tried in turn from a
random start, with capped exponential backoff and jitter between rounds, every wait cut short
by the process's stop event, and the node logged without credentials.

Services hold a `Link` (one live connection) and build their channels on it; when the link is
lost they drop everything built on it and connect again, so nothing resumes half-restored
(a consumer never runs ahead of the channel its replies go out on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection
from yarl import URL

from deployq.retry import Backoff, pause

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
CLOSE_TIMEOUT = 5.0
REMIND_SECONDS = 60.0


class Stopped(Exception):
    """The process was told to stop while it waited for the broker."""


def redacted(url: str) -> str:
    """The URL as logs show it: no user, no password, no query (it may name key files)."""
    return str(URL(url).with_user(None).with_query(None))


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """CA bundle and client certificate for `amqps://` brokers; all optional."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def context(self) -> ssl.SSLContext | None:
        """None when nothing is set: `amqps://` then verifies against the system's CAs."""
        if not (self.ca_file or self.cert_file):
            return None
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context


class Link:
    """One live connection, and whether the broker or the network has ended it."""

    def __init__(self, connection: AbstractConnection, address: str) -> None:
        self.connection = connection
        self.address = address
        self.lost = asyncio.Event()
        connection.close_callbacks.add(self._closed)

    def _closed(self, *_: Any) -> None:
        self.lost.set()

    async def wait(self, stop: asyncio.Event) -> bool:
        """Until the link is lost (True) or `stop` is set (False)."""
        waiters = [asyncio.ensure_future(self.lost.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self.lost.is_set() and not stop.is_set()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connection.close(), CLOSE_TIMEOUT)

    async def __aenter__(self) -> Link:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class Broker:
    """Makes links to the broker for one purpose (named in RabbitMQ's connection list)."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        name: str,
        tls: TLSFiles | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.urls = tuple(urls)
        self.name = name
        self.tls = tls or TLSFiles()
        self.backoff = backoff or Backoff(first=0.1, cap=5.0)
        self._context = self.tls.context()

    def named(self, name: str) -> Broker:
        """The same broker, for another purpose (its own connection, its own backoff)."""
        return Broker(self.urls, name=name, tls=self.tls)

    async def _open(self, url: str) -> AbstractConnection:
        return await aio_pika.connect(
            url,
            timeout=CONNECT_TIMEOUT,
            ssl_context=self._context,
            client_properties={"product": "deployq", "connection_name": self.name},
        )

    async def connect(
        self, stop: asyncio.Event | None = None, *, attempts: int | None = None
    ) -> Link:
        """A link to the first address that answers, trying them in turn from a random start
        and backing off after each full round. Raises `Stopped` if `stop` is set first, or the
        last error after `attempts` rounds."""
        stop = stop or asyncio.Event()
        order = rotated(self.urls, random.randrange(len(self.urls)))
        rounds, since = 0, time.monotonic()
        reminded = since
        while True:
            for url in order:
                if stop.is_set():
                    raise Stopped
                try:
                    connection = await _unless_stopped(self._open(url), stop)
                except Stopped:
                    raise
                except Exception as error:
                    failed = error
                    if rounds == 0:
                        log.warning(
                            "%s: broker at %s unreachable: %s", self.name, redacted(url), error
                        )
                    continue
                self.backoff.reset()
                took = time.monotonic() - since
                after = f" after {took:.1f}s" if rounds else ""
                log.info("%s: connected to the broker at %s%s", self.name, redacted(url), after)
                return Link(connection, redacted(url))
            rounds += 1
            if attempts is not None and rounds >= attempts:
                raise failed
            if time.monotonic() - reminded > REMIND_SECONDS:
                reminded = time.monotonic()
                waited = reminded - since
                log.warning("%s: no broker reachable for %.0fs: %s", self.name, waited, failed)
            await pause(stop, self.backoff.next())


def rotated(urls: Sequence[str], start: int) -> tuple[str, ...]:
    """The addresses in their written order, beginning at `start` and wrapping round: every
    node is tried once a round, and processes starting at random spread over the nodes."""
    return (*urls[start:], *urls[:start])


async def _unless_stopped(opening: Any, stop: asyncio.Event) -> AbstractConnection:
    """Await `opening`, or give it up when `stop` is set (closing what it may have opened)."""
    task: asyncio.Task[AbstractConnection] = asyncio.ensure_future(opening)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(BaseException):
        connection = await task
        await connection.close()
    raise Stopped
