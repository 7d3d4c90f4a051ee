"""Bodies from the command line, and the checks `deployq call` runs before sending."""

from __future__ import annotations

import orjson
import pytest

from deployq.commandline.bodies import (
    BadArguments,
    body_of,
    check,
    command_list,
    described,
    error_reply,
    suggestion,
)
from deployq.errors import DeployqError
from deployq.handlers import COMMANDS


def checked(command: str, body: bytes) -> None:
    check(command, body, message_id="m-1", body_limit=1024 * 1024, json_max_depth=32)


@pytest.mark.parametrize(
    ("arguments", "body"),
    [
        ([], {}),
        (['{"name": "etl"}'], {"name": "etl"}),
        (["name=etl"], {"name": "etl"}),
        (["name=a=b", 'tags:=["x"]', "n:=3"], {"name": "a=b", "tags": ["x"], "n": 3}),
        (["name="], {"name": ""}),
    ],
)
def test_a_body_is_json_or_pairs(arguments: list[str], body: dict[str, object]) -> None:
    assert orjson.loads(body_of(arguments)) == body


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["{name"], "neither JSON"),
        (["name=etl", "oops"], "'oops' is not key=value"),
        (["tags:=[x"], "tags:= takes a JSON value"),
        (["a=1", "a=2"], "a is given twice"),
    ],
)
def test_an_unreadable_body_says_how_to_write_it(arguments: list[str], said: str) -> None:
    with pytest.raises(BadArguments, match=said):
        body_of(arguments)


def test_a_json_array_is_sent_to_no_one() -> None:
    """`'["etl"]'` is JSON, but not an object: refused here, as the worker would."""
    with pytest.raises(DeployqError) as refused:
        checked("flow.create", b'["etl"]')
    assert refused.value.code == "invalid_message"


def test_the_worker_s_own_validation_message_is_given() -> None:
    with pytest.raises(DeployqError) as refused:
        checked("flow.create", b'{"name": 5}')
    error = error_reply(refused.value)["error"]
    assert error["code"] == "validation_error"
    assert described(error) == (
        "validation_error: flow.create: 1 invalid field(s) (name: Input should be a valid string)"
    )


def test_a_near_name_is_suggested() -> None:
    assert suggestion("deployment.raed") == "; did you mean deployment.read?"
    assert suggestion("zzz") == ""
    with pytest.raises(DeployqError, match=r"did you mean flow\.create"):
        checked("flow.craete", b"{}")


def test_the_command_list_has_every_command() -> None:
    listed = command_list()
    assert all(name in listed for name in COMMANDS)
