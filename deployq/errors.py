"""Typed errors, each carrying the stable reply code of CONTRACT §3.

Handlers and the decoder raise these; exactly one function (`consumers.dispatch.error_answer`)
turns them into replies, so a code is never spelled in two places.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DeployqError(Exception):
    """Base of every error that becomes an error reply."""

    code: ClassVar[str] = "internal"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidMessage(DeployqError):
    """Body is not UTF-8 JSON object, content type is not JSON, or properties contradict."""

    code = "invalid_message"


class UnknownCommand(DeployqError):
    code = "unknown_command"


class PayloadTooLarge(DeployqError):
    code = "payload_too_large"


class ValidationFailed(DeployqError):
    """Fields wrong, missing or unknown, or a rule of the spec refuses the values."""

    code = "validation_error"


class MissingMessageId(DeployqError):
    code = "missing_message_id"


class NotFound(DeployqError):
    code = "not_found"


class Conflict(DeployqError):
    """A uniqueness or state rule would be broken."""

    code = "conflict"


class Expired(DeployqError):
    code = "expired"


class Internal(DeployqError):
    """An unexpected failure that outlived the delivery limit."""

    code = "internal"


# Errors that mean the message itself is unreadable: always dead-lettered (CONTRACT §3).
UNREADABLE: tuple[type[DeployqError], ...] = (InvalidMessage, UnknownCommand, PayloadTooLarge)
