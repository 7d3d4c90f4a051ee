"""Carrying out what `outcome.decide` chose for a delivery: publish first, then ack — or hand
back. Whatever fails here, the delivery still ends settled: a failed publish or ack hands it
back (nack, requeue), so a healthy worker answers it from the inbox, and a nack on a channel
that is gone is done by the broker itself, which requeues every delivery of a closed channel.
"""

from __future__ import annotations

import logging

from aio_pika.abc import AbstractIncomingMessage

from deployq.consumers import codec, replies
from deployq.consumers.outcome import Action, Outcome
from deployq.handlers import COMMANDS
from deployq.metrics import Metrics

log = logging.getLogger(__name__)


async def settle(
    message: AbstractIncomingMessage,
    raw: codec.Incoming,
    outcome: Outcome,
    *,
    publisher: replies.Publisher,
    metrics: Metrics,
) -> str:
    """Carry `outcome` out; what became of the delivery, as the metrics and the log line name
    it: `ok`, the error code of its reply or dead letter, or `retry` (handed back)."""
    assert outcome.action is not Action.RETRY, "run again in place, never settled"
    command = raw.routing_key
    label = command if command in COMMANDS else "<unknown>"
    if outcome.action is Action.HAND_BACK:
        metrics.handled.labels(label, "retry").inc()
        await hand_back(message)
        return "retry"
    try:
        await _publish(message, raw, outcome, publisher, metrics)
        await message.ack()
    except Exception as error:
        log.warning(
            "%s %s: could not publish its outcome or ack (%r); handing it back",
            command,
            raw.message_id,
            error,
        )
        metrics.handled.labels(label, "retry").inc()
        await hand_back(message)
        return "retry"
    answer = outcome.answer
    result = "ok" if answer is None or answer.ok else answer.code or "error"
    metrics.handled.labels(label, result).inc()
    return result


async def _publish(
    message: AbstractIncomingMessage,
    raw: codec.Incoming,
    outcome: Outcome,
    publisher: replies.Publisher,
    metrics: Metrics,
) -> None:
    answer = outcome.answer
    if outcome.reply and answer is not None and raw.reply_to:
        reply = replies.reply_message(
            answer, command=raw.routing_key, correlation_id=raw.correlation_id
        )
        await publisher.reply(raw.reply_to, reply)
    if outcome.action is Action.DEAD_LETTER:
        log.warning(
            "dead-lettering %s %s: %s %s",
            raw.routing_key,
            raw.message_id,
            outcome.code,
            outcome.reason,
        )
        letter = replies.dead_letter(message, outcome.code, outcome.reason)
        await publisher.dead_letter(raw.routing_key, letter)
        metrics.dead_letters.labels(outcome.code).inc()


async def hand_back(message: AbstractIncomingMessage) -> None:
    """Nack with requeue; if the channel is gone the broker has requeued it already."""
    try:
        await message.nack(requeue=True)
    except Exception as error:
        log.info(
            "delivery %s returns to the queue with its channel (%r)", message.delivery_tag, error
        )
