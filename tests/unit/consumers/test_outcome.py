"""Every branch of the ack decision (CONTRACT §3, §6), without a broker or a database."""

from __future__ import annotations

import orjson
import pytest

from deployq import errors
from deployq.consumers.dispatch import Answer, error_answer, ok_answer
from deployq.consumers.outcome import Action, Outcome, decide
from deployq.messages.base import Counted

LIMIT = 5
OK = ok_answer(Counted(count=1))
REFUSED = error_answer(errors.NotFound("deployment 42 not found"))


def outcome(
    produced: Answer | Exception,
    *,
    decoded: bool = True,
    reply_to: bool = True,
    attempt: int = 1,
    transient: bool = False,
    stopping: bool = False,
) -> Outcome:
    return decide(
        produced,
        command="deployment.read",
        decoded=decoded,
        reply_to=reply_to,
        attempt=attempt,
        delivery_limit=LIMIT,
        transient=transient,
        stopping=stopping,
    )


def error_of(answer: Answer | None) -> dict[str, object]:
    assert answer is not None
    error: dict[str, object] = orjson.loads(answer.body)["error"]
    return error


# --- decoding refused the message ---------------------------------------------------------------


@pytest.mark.parametrize(
    "unreadable", [errors.InvalidMessage, errors.UnknownCommand, errors.PayloadTooLarge]
)
@pytest.mark.parametrize("reply_to", [True, False])
def test_an_unreadable_message_is_dead_lettered_and_answered_if_asked(
    unreadable: type[errors.DeployqError], reply_to: bool
) -> None:
    refusal = unreadable("cannot read it")
    decided = outcome(refusal, decoded=False, reply_to=reply_to)
    assert decided == Outcome(
        Action.DEAD_LETTER,
        error_answer(refusal),
        reply=reply_to,
        code=refusal.code,
        reason="cannot read it",
    )


@pytest.mark.parametrize(
    "readable", [errors.ValidationFailed, errors.Expired, errors.MissingMessageId]
)
def test_a_readable_refusal_is_answered_and_acked(readable: type[errors.DeployqError]) -> None:
    refusal = readable("fix it")
    assert outcome(refusal, decoded=False) == Outcome(Action.ACK, error_answer(refusal), reply=True)


def test_a_readable_refusal_nobody_hears_is_dead_lettered() -> None:
    refusal = errors.ValidationFailed("fix it")
    assert outcome(refusal, decoded=False, reply_to=False) == Outcome(
        Action.DEAD_LETTER,
        error_answer(refusal),
        reply=False,
        code="validation_error",
        reason="fix it",
    )


@pytest.mark.parametrize("transient", [True, False])
@pytest.mark.parametrize("reply_to", [True, False])
def test_a_decoding_bug_is_dead_lettered_at_once(transient: bool, reply_to: bool) -> None:
    decided = outcome(KeyError("x"), decoded=False, reply_to=reply_to, transient=transient)
    reason = "deployment.read could not be decoded: KeyError"
    assert decided.action is Action.DEAD_LETTER
    assert decided.reply is reply_to
    assert (decided.code, decided.reason) == ("internal", reason)
    assert error_of(decided.answer) == {"code": "internal", "message": reason, "details": []}


# --- the handler answered ---------------------------------------------------------------------


@pytest.mark.parametrize("reply_to", [True, False])
@pytest.mark.parametrize("stopping", [True, False])
def test_a_handled_command_is_acked_and_answered_if_asked(reply_to: bool, stopping: bool) -> None:
    assert outcome(OK, reply_to=reply_to, stopping=stopping) == Outcome(
        Action.ACK, OK, reply=reply_to
    )


def test_a_domain_error_is_answered_and_acked() -> None:
    assert outcome(REFUSED) == Outcome(Action.ACK, REFUSED, reply=True)


def test_a_domain_error_nobody_hears_is_dead_lettered() -> None:
    assert outcome(REFUSED, reply_to=False) == Outcome(
        Action.DEAD_LETTER,
        REFUSED,
        reply=False,
        code="not_found",
        reason="deployment 42 not found",
    )


# --- the handler failed unexpectedly ------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(1, LIMIT))
@pytest.mark.parametrize("stopping", [True, False])
def test_a_failure_before_the_delivery_limit_is_handed_back(attempt: int, stopping: bool) -> None:
    decided = outcome(RuntimeError("boom"), attempt=attempt, stopping=stopping)
    assert decided == Outcome(Action.HAND_BACK)


@pytest.mark.parametrize("attempt", [LIMIT, LIMIT + 3])
@pytest.mark.parametrize("reply_to", [True, False])
@pytest.mark.parametrize("stopping", [True, False])
def test_a_failure_at_the_delivery_limit_is_answered_internal_and_dead_lettered(
    attempt: int, reply_to: bool, stopping: bool
) -> None:
    decided = outcome(RuntimeError("boom"), attempt=attempt, reply_to=reply_to, stopping=stopping)
    reason = f"deployment.read failed {attempt} times: RuntimeError"
    assert decided.action is Action.DEAD_LETTER
    assert decided.reply is reply_to
    assert (decided.code, decided.reason) == ("internal", reason)
    assert error_of(decided.answer) == {"code": "internal", "message": reason, "details": []}


@pytest.mark.parametrize("attempt", [1, LIMIT, LIMIT + 3])
def test_a_transient_failure_is_run_again_in_place(attempt: int) -> None:
    decided = outcome(ConnectionError("lost"), attempt=attempt, transient=True)
    assert decided == Outcome(Action.RETRY)


@pytest.mark.parametrize("attempt", [1, LIMIT, LIMIT + 3])
def test_a_transient_failure_while_stopping_is_handed_back_whatever_the_attempt(
    attempt: int,
) -> None:
    decided = outcome(ConnectionError("lost"), attempt=attempt, transient=True, stopping=True)
    assert decided == Outcome(Action.HAND_BACK)


def test_a_typed_error_escaping_a_decoded_command_is_an_unexpected_failure() -> None:
    """Dispatch turns a handler's DeployqError into an answer; one that escapes it is a bug."""
    assert outcome(errors.NotFound("gone")) == Outcome(Action.HAND_BACK)
