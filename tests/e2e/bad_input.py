"""What the bad input tests share: the body limit, an id no deployment has, the codes of messages
that cannot be read, and deadlines either side of now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support import unique

LIMIT = 1024 * 1024
MISSING = "3f1e0d6c-2b9a-4c57-8e43-0d2f6b1a9c77"
# Found wherever a message cannot be read; such a message is always dead-lettered (§3).
UNREADABLE = {"invalid_message", "unknown_command", "payload_too_large"}


def past() -> str:
    return (datetime.now(UTC) - timedelta(minutes=1)).isoformat()


def future() -> str:
    return (datetime.now(UTC) + timedelta(minutes=5)).isoformat()


def flow_body() -> bytes:
    return f'{{"name": "{unique("flow")}"}}'.encode()
