"""A reply as the client reads it: an error reply raises the deployq.errors class of its code."""

from __future__ import annotations

import pytest

from deployq import errors
from deployq.messages.replies import ERRORS, Reply


def test_every_error_class_has_its_code_mapped() -> None:
    classes = set(errors.DeployqError.__subclasses__())

    assert set(ERRORS.values()) == classes
    assert all(ERRORS[cls.code] is cls for cls in classes)


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_an_error_reply_raises_its_class_with_message_and_details(code: str) -> None:
    details = [{"loc": ["name"], "msg": "required", "type": "missing"}]
    body = {"ok": False, "error": {"code": code, "message": "no", "details": details}}
    reply = Reply(body, "error", "flow.create.reply", "c1", "m1")

    with pytest.raises(ERRORS[code]) as raised:
        reply.raise_for_error()

    assert type(raised.value) is ERRORS[code]
    assert (raised.value.code, raised.value.message, raised.value.details) == (code, "no", details)
    assert raised.value.__notes__ == [f"reply code {code}; message_id m1"]


def test_an_unknown_code_raises_the_base_class_and_an_ok_reply_nothing() -> None:
    future = Reply({"ok": False, "error": {"code": "later", "message": "x"}}, "error", None, None)

    with pytest.raises(errors.DeployqError) as raised:
        future.raise_for_error()

    assert type(raised.value) is errors.DeployqError
    assert "reply code later" in raised.value.__notes__[0]
    Reply({"ok": True, "result": {}}, "ok", None, None).raise_for_error()
