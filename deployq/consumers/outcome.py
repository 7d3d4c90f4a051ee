"""What becomes of a delivery, decided in one pure function from plain values, so every rule of
CONTRACT §3 and §6 (reply, dead letter, another attempt) is read, and tested, in one place.

The consumer computes the inputs and `consumers/settle.py` carries the outcome out; nothing
here touches the broker. An outcome that publishes (a reply, a dead letter) acks only after
publishing, so when a publish fails the delivery can still be handed back instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from deployq.consumers.dispatch import Answer, error_answer
from deployq.errors import UNREADABLE, DeployqError, Internal


class Action(enum.Enum):
    ACK = "ack"  # done: publish the reply if the sender asked for one, then ack
    DEAD_LETTER = "dead_letter"  # the reply if asked for, the dead letter with its reason, ack
    HAND_BACK = "hand_back"  # nack with requeue: the broker delivers it again (the next attempt)
    RETRY = "retry"  # not settled yet: a passing failure, run again in place after a pause


@dataclass(frozen=True, slots=True)
class Outcome:
    action: Action
    answer: Answer | None = None  # the reply (and what the metrics count); None if unanswered
    reply: bool = False  # publish `answer` to the message's reply_to
    code: str = ""  # a dead letter's reason: x-deployq-error-code
    reason: str = ""  # and x-deployq-error-message


HAND_BACK = Outcome(Action.HAND_BACK)
RETRY = Outcome(Action.RETRY)


def decide(
    produced: Answer | Exception,
    *,
    command: str,
    decoded: bool,
    reply_to: bool,
    attempt: int,
    delivery_limit: int,
    transient: bool,
    stopping: bool,
) -> Outcome:
    """What to do with a delivery of `command`, given what its handling `produced`.

    `produced` is the handler's answer (domain errors included), or the exception that decoding
    (`decoded` False: a DeployqError refusing the message, or a bug) or handling raised.
    `attempt` counts deliveries from 1; `transient` says if the exception is a passing one
    (connection lost, serialization failure); `stopping` that the consumer is shutting down.
    """
    if isinstance(produced, Answer):
        return _answered(produced, reply_to, dead=not produced.ok and not reply_to)
    if not decoded:
        if isinstance(produced, DeployqError):
            # The sender can fix a refused message, unless it is unreadable (CONTRACT §3).
            dead = isinstance(produced, UNREADABLE) or not reply_to
            return _answered(error_answer(produced), reply_to, dead=dead)
        # A decoding bug would fail the same way on every delivery: give up at once.
        failure = Internal(f"{command} could not be decoded: {type(produced).__name__}")
        return _answered(error_answer(failure), reply_to, dead=True)
    if transient and not stopping:
        return RETRY
    if transient or attempt < delivery_limit:
        return HAND_BACK
    failure = Internal(f"{command} failed {attempt} times: {type(produced).__name__}")
    return _answered(error_answer(failure), reply_to, dead=True)


def _answered(answer: Answer, reply_to: bool, *, dead: bool) -> Outcome:
    if not dead:
        return Outcome(Action.ACK, answer, reply=reply_to)
    return Outcome(
        Action.DEAD_LETTER,
        answer,
        reply=reply_to,
        code=answer.code or "internal",
        reason=answer.message or "",
    )
