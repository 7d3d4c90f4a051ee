"""What a handler that writes its own inbox row needs from the dispatcher: the command's message
id and body hash, and how a result becomes the reply stored for it (the dispatcher's format)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deployq.messages.base import Result


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    body_hash: bytes
    encode: Callable[[Result], bytes]
