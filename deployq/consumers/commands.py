"""The command consumer: consume → decode → dispatch → decide → reply → ack.

What happens to a delivery is decided by `outcome.decide` alone; `settle` carries it out:
replied and acked, dead-lettered with its reason, or handed back to the broker. Whatever fails
on the way, every delivery ends acked, handed back (nack, requeue) or, when its channel is gone,
returned to the queue by the broker: none is ever left holding a prefetch slot.

A consumer lives on one broker connection; when that is lost the worker builds a new consumer
on the next one, so consuming never resumes before the channel replies go out on is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue

from deployq.consumers import codec, dispatch, replies, topology
from deployq.consumers.dispatch import Answer
from deployq.consumers.outcome import Action, Outcome, decide
from deployq.consumers.settle import hand_back, settle
from deployq.errors import DeployqError
from deployq.handlers.bounds import DEFAULT_BOUNDS, Bounds
from deployq.metrics import Metrics
from deployq.retry import Backoff, is_transient
from deployq.storage.database import Database

log = logging.getLogger(__name__)


def incoming(message: AbstractIncomingMessage) -> codec.Incoming:
    headers = message.headers or {}
    # The broker's count is only meaningful on a redelivery; a re-published message may carry
    # a stale one in its headers.
    count = headers.get("x-delivery-count", 0) if message.redelivered else 0
    return codec.Incoming(
        body=message.body,
        routing_key=message.routing_key or "",
        content_type=message.content_type,
        type=message.type,
        message_id=message.message_id,
        reply_to=message.reply_to,
        correlation_id=message.correlation_id,
        headers=headers,
        redelivered=bool(message.redelivered),
        delivery_count=count if isinstance(count, int) else 0,
    )


class CommandConsumer:
    def __init__(
        self,
        *,
        db: Database,
        connection: AbstractConnection,
        topology: topology.Topology,
        clock: Callable[[], datetime],
        metrics: Metrics,
        body_limit: int,
        json_max_depth: int,
        prefetch: int,
        bounds: Bounds = DEFAULT_BOUNDS,
    ) -> None:
        self.db = db
        self.bounds = bounds
        self.connection = connection
        self.publisher = replies.Publisher(connection, topology.dead)
        self.topology = topology
        self.clock = clock
        self.metrics = metrics
        self.body_limit = body_limit
        self.json_max_depth = json_max_depth
        self.prefetch = prefetch
        self.stopping = asyncio.Event()
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_hand: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Declare the topology, open the reply channel, and only then start consuming."""
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        self._queue = await topology.declare(channel, self.topology)
        await self.publisher.open()
        self._tag = await self._queue.consume(self._on_message)
        log.info("consuming %s (prefetch %d)", self._queue.name, self.prefetch)

    async def stop(self, grace: float) -> None:
        """Stop taking commands, finish those in hand, then return (CONTRACT §6, shutdown).

        On a lost connection there is nothing to cancel; commands in hand still finish their
        database work, and their deliveries come back to the queue for a twin to answer."""
        self.stopping.set()
        if self._queue is not None and self._tag is not None and not self.connection.is_closed:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._tag)
        if self._in_hand:
            log.info("finishing %d command(s) in hand", len(self._in_hand))
            _, late = await asyncio.wait(self._in_hand, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_hand.add(task)
        self.metrics.in_flight.inc()
        started = time.perf_counter()
        result = "retry"
        try:
            result = await self.handle(message)
        except Exception:  # a bug in handling must not leave the delivery unsettled
            log.exception("%s %s: handling failed", message.routing_key, message.message_id)
            await hand_back(message)
        finally:
            took = time.perf_counter() - started
            self.metrics.in_flight.dec()
            self.metrics.handling_seconds.observe(took)
            if task is not None:
                self._in_hand.discard(task)
            _handled(message, result, took)

    async def handle(self, message: AbstractIncomingMessage) -> str:
        """Handle and settle one delivery; what became of it (`ok`, an error code, `retry`)."""
        raw = incoming(message)
        if raw.redelivered:
            self.metrics.redeliveries.inc()
        outcome = await self._outcome(raw)
        return await settle(message, raw, outcome, publisher=self.publisher, metrics=self.metrics)

    async def _outcome(self, raw: codec.Incoming) -> Outcome:
        try:
            decoded = codec.decode(
                raw,
                body_limit=self.body_limit,
                json_max_depth=self.json_max_depth,
                now=self.clock(),
            )
        except DeployqError as error:
            return self._decide(raw, error, decoded=False)
        except Exception as error:  # a decoding bug must not leave the message unanswered
            log.exception("%s %s could not be decoded", raw.routing_key, raw.message_id)
            return self._decide(raw, error, decoded=False)
        backoff = Backoff()
        while True:
            produced: Answer | Exception
            try:
                produced = await dispatch.execute(decoded, self.db, self.clock, self.bounds)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                produced = error
            outcome = self._decide(raw, produced, decoded=True)
            if outcome.action is not Action.RETRY:
                if isinstance(produced, Exception):
                    self._log_failure(raw, produced, outcome)
                return outcome
            delay = backoff.next()
            log.warning(
                "%s %s: transient failure (%s); retrying in %.1fs",
                raw.routing_key,
                raw.message_id,
                produced,
                delay,
            )
            await asyncio.sleep(delay)

    def _decide(
        self, raw: codec.Incoming, produced: Answer | Exception, *, decoded: bool
    ) -> Outcome:
        return decide(
            produced,
            command=raw.routing_key,
            decoded=decoded,
            reply_to=bool(raw.reply_to),
            attempt=raw.delivery_count + 1,
            delivery_limit=self.topology.delivery_limit,
            transient=isinstance(produced, Exception) and is_transient(produced),
            stopping=self.stopping.is_set(),
        )

    def _log_failure(self, raw: codec.Incoming, error: Exception, outcome: Outcome) -> None:
        attempt = raw.delivery_count + 1
        if outcome.action is Action.HAND_BACK:
            log.warning(
                "%s %s failed on attempt %d: %r; handing it back",
                raw.routing_key,
                raw.message_id,
                attempt,
                error,
                exc_info=not is_transient(error),
            )
        else:
            log.error(
                "%s %s failed on its last attempt (%d): %r",
                raw.routing_key,
                raw.message_id,
                attempt,
                error,
                exc_info=error,
            )


def _handled(message: AbstractIncomingMessage, outcome: str, took: float) -> None:
    """The one line per command (CONTRACT §9), its fields apart for JSON logs."""
    if log.isEnabledFor(logging.INFO):
        log.info(
            "handled",
            extra={
                "command": message.routing_key,
                "message_id": message.message_id,
                "correlation_id": message.correlation_id,
                "outcome": outcome,
                "duration_ms": round(took * 1000, 3),
            },
        )
