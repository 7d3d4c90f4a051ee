"""Error replies come from one mapping; every command model has a handler."""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module

import orjson
import pytest

import deployq.messages as messages_package
from deployq import errors
from deployq.consumers.dispatch import error_answer, ok_answer
from deployq.handlers import COMMANDS, HANDLERS
from deployq.messages.base import Command, Counted

CODES = {
    errors.InvalidMessage: "invalid_message",
    errors.UnknownCommand: "unknown_command",
    errors.PayloadTooLarge: "payload_too_large",
    errors.ValidationFailed: "validation_error",
    errors.MissingMessageId: "missing_message_id",
    errors.NotFound: "not_found",
    errors.Conflict: "conflict",
    errors.Expired: "expired",
    errors.Internal: "internal",
}


@pytest.mark.parametrize(("error_type", "code"), CODES.items())
def test_each_error_type_maps_to_its_contract_code(
    error_type: type[errors.DeployqError], code: str
) -> None:
    answer = error_answer(error_type("what happened", [{"loc": ["x"], "msg": "m", "type": "t"}]))
    assert not answer.ok
    assert answer.code == code
    assert orjson.loads(answer.body) == {
        "ok": False,
        "error": {
            "code": code,
            "message": "what happened",
            "details": [{"loc": ["x"], "msg": "m", "type": "t"}],
        },
    }


def test_ok_answer_wraps_the_result() -> None:
    answer = ok_answer(Counted(count=3))
    assert answer.ok
    assert orjson.loads(answer.body) == {"ok": True, "result": {"count": 3}}


def _command_models() -> set[type[Command]]:
    found: set[type[Command]] = set()
    for info in pkgutil.iter_modules(messages_package.__path__):
        module = import_module(f"{messages_package.__name__}.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Command) and value is not Command and "command" in vars(value):
                found.add(value)
    return found


def test_every_command_model_has_a_handler_and_a_unique_name() -> None:
    models = _command_models()
    assert models, "no command models found"
    assert models <= set(HANDLERS), sorted(m.__name__ for m in models - set(HANDLERS))
    assert len(COMMANDS) == len(HANDLERS)


def test_handlers_take_the_command_and_a_unit_of_work() -> None:
    for model, handler in HANDLERS.items():
        parameters = list(inspect.signature(handler).parameters.values())
        assert [p.name for p in parameters[:2]] == ["command", "uow"], handler
        assert parameters[2].kind is inspect.Parameter.KEYWORD_ONLY, handler
        assert inspect.iscoroutinefunction(handler), handler
        assert model.command.count(".") >= 1
