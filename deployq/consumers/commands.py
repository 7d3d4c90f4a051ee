"""The command consumer: consume → decode → dispatch → reply → ack.

`settle` is the only place that decides what happens to a delivery: replied and acked,
dead-lettered with its reason, or handed back to the broker for another attempt.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractIncomingMessage, AbstractQueue

from deployq.consumers import codec, dispatch, replies, topology
from deployq.consumers.dispatch import Answer
from deployq.errors import UNREADABLE, DeployqError, Internal
from deployq.handlers import COMMANDS
from deployq.metrics import Metrics
from deployq.retry import Backoff, is_transient
from deployq.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to do with a delivery once its work is done."""

    answer: Answer | None = None
    dead_letter: bool = False
    retry: bool = False


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
        consume_channel: AbstractChannel,
        publish_channel: AbstractChannel,
        topology: topology.Topology,
        clock: Callable[[], datetime],
        metrics: Metrics,
        body_limit: int,
        json_max_depth: int,
        prefetch: int,
    ) -> None:
        self.db = db
        self.consume_channel = consume_channel
        self.publish_channel = publish_channel
        self.topology = topology
        self.clock = clock
        self.metrics = metrics
        self.body_limit = body_limit
        self.json_max_depth = json_max_depth
        self.prefetch = prefetch
        self.stopping = asyncio.Event()
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._dead: AbstractExchange | None = None
        self._in_hand: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.consume_channel.set_qos(prefetch_count=self.prefetch)
        self._queue = await topology.declare(self.consume_channel, self.topology)
        self._dead = await topology.declare_exchange(self.publish_channel, self.topology.dead)
        self._tag = await self._queue.consume(self._on_message)
        log.info("consuming %s (prefetch %d)", self._queue.name, self.prefetch)

    async def stop(self, grace: float) -> None:
        """Stop taking commands, finish those in hand, then return (CONTRACT §6, shutdown)."""
        self.stopping.set()
        if self._queue is not None and self._tag is not None:
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
        try:
            await self.handle(message)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.handling_seconds.observe(time.perf_counter() - started)
            if task is not None:
                self._in_hand.discard(task)

    async def handle(self, message: AbstractIncomingMessage) -> None:
        raw = incoming(message)
        if raw.redelivered:
            self.metrics.redeliveries.inc()
        try:
            decoded = codec.decode(
                raw,
                body_limit=self.body_limit,
                json_max_depth=self.json_max_depth,
                now=self.clock(),
            )
        except DeployqError as error:
            outcome = Outcome(
                dispatch.error_answer(error),
                dead_letter=isinstance(error, UNREADABLE) or not raw.reply_to,
            )
        except Exception as error:  # a decoding bug must not leave the message unanswered
            log.exception("%s %s could not be decoded", raw.routing_key, raw.message_id)
            failure = Internal(f"{raw.routing_key} could not be decoded: {type(error).__name__}")
            outcome = Outcome(dispatch.error_answer(failure), dead_letter=True)
        else:
            outcome = await self._run(decoded, raw)
        await self.settle(message, raw, outcome)

    async def _run(self, decoded: codec.Decoded, raw: codec.Incoming) -> Outcome:
        backoff = Backoff()
        while True:
            try:
                answer = await dispatch.execute(decoded, self.db, self.clock)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if is_transient(error) and not self.stopping.is_set():
                    delay = backoff.next()
                    log.warning(
                        "%s %s: transient failure (%s); retrying in %.1fs",
                        raw.routing_key,
                        raw.message_id,
                        error,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
                return self._failed(raw, error)
            return Outcome(answer, dead_letter=not answer.ok and not raw.reply_to)

    def _failed(self, raw: codec.Incoming, error: Exception) -> Outcome:
        """An unexpected failure: another attempt while the delivery limit allows, then give up."""
        attempt = raw.delivery_count + 1
        if is_transient(error) or attempt < self.topology.delivery_limit:
            log.warning(
                "%s %s failed on attempt %d: %r; handing it back",
                raw.routing_key,
                raw.message_id,
                attempt,
                error,
                exc_info=not is_transient(error),
            )
            return Outcome(retry=True)
        log.error(
            "%s %s failed on its last attempt (%d): %r",
            raw.routing_key,
            raw.message_id,
            attempt,
            error,
            exc_info=error,
        )
        failure = Internal(f"{raw.routing_key} failed {attempt} times: {type(error).__name__}")
        return Outcome(dispatch.error_answer(failure), dead_letter=True)

    async def settle(
        self, message: AbstractIncomingMessage, raw: codec.Incoming, outcome: Outcome
    ) -> None:
        command = raw.routing_key
        if outcome.retry:
            self.metrics.handled.labels(command, "retry").inc()
            await message.nack(requeue=True)
            return
        answer = outcome.answer
        if answer is not None and raw.reply_to:
            reply = replies.reply_message(
                answer, command=command, correlation_id=raw.correlation_id
            )
            await replies.publish_reply(self.publish_channel.default_exchange, raw.reply_to, reply)
        if outcome.dead_letter and answer is not None and self._dead is not None:
            self.metrics.dead_letters.labels(answer.code or "unknown").inc()
            log.warning(
                "dead-lettering %s %s: %s %s", command, raw.message_id, answer.code, answer.message
            )
            letter = replies.dead_letter(message, answer.code or "internal", answer.message or "")
            await replies.publish_dead_letter(self._dead, command, letter)
        label = command if command in COMMANDS else "<unknown>"
        self.metrics.handled.labels(
            label, "ok" if answer is None or answer.ok else answer.code or "error"
        ).inc()
        await message.ack()
