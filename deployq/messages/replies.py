"""What a caller gets back (CONTRACT §3): a reply as it came, the exception of each error code (the
classes of `deployq.errors`, so a caller catches the same `NotFound` a handler raised), and the
client's own failures: no reply in time, no such namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployq import errors

# One class per reply code of CONTRACT §3; a code this version does not know raises the base.
ERRORS: dict[str, type[errors.DeployqError]] = {
    error.code: error
    for error in (
        errors.InvalidMessage,
        errors.UnknownCommand,
        errors.PayloadTooLarge,
        errors.ValidationFailed,
        errors.MissingMessageId,
        errors.NotFound,
        errors.Conflict,
        errors.Expired,
        errors.Internal,
    )
}


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply as it came: its body `{ok, result}` or `{ok, error}` and its properties, with
    the `message_id` of the command it answers."""

    body: dict[str, Any]
    status: str | None
    type: str | None
    correlation_id: str | None
    message_id: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.body.get("ok"))

    @property
    def result(self) -> Any:
        return self.body.get("result")

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body.get("error") or {}
        return error

    def raise_for_error(self) -> None:
        """Raise the error reply as the exception of its code (`NotFound`, `Conflict`, …)."""
        if self.ok:
            return
        code = str(self.error.get("code", "internal"))
        error = ERRORS.get(code, errors.DeployqError)(
            str(self.error.get("message", "")), list(self.error.get("details") or [])
        )
        error.add_note(f"reply code {code}; message_id {self.message_id}")
        raise error


class ReplyTimeout(TimeoutError):
    """No reply within the timeout. The command may still be applied later (it may be queued):
    sending it again with the same `message_id` applies it at most once."""

    def __init__(self, command: str, message_id: str, timeout: float, cause: str = "") -> None:
        because = f" (last publish failed: {cause})" if cause else ""
        super().__init__(
            f"no reply to {command} within {timeout:g}s{because}; it may still be applied: "
            f"retry with message_id={message_id} to apply it at most once"
        )
        self.command = command
        self.message_id = message_id
        self.timeout = timeout


class NamespaceNotFound(LookupError):
    """The namespace's command exchange does not exist: no worker ever ran on it."""


def header_text(value: Any) -> str | None:
    """An AMQP header as text (brokers may hand strings over as bytes)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode()
    return None if value is None else str(value)
