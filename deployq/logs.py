"""Log output (CONTRACT §9): readable text by default, one JSON object per line with
`DEPLOYQ_LOG_FORMAT=json`; the libraries underneath speak only when something is wrong.

Plain stdlib logging with two small formatters: a record's `extra` fields listed in FIELDS
(a command's name, ids, outcome and duration) become keys of the JSON object, or `key=value`
pairs after the text message.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson

LogFormat = Literal["text", "json"]

# Fields a record may carry in `extra`, in the order text lines show them.
FIELDS = ("command", "message_id", "correlation_id", "outcome", "duration_ms")
# Chatty below WARNING (frame dumps, plugin set-up, "connection lost" at INFO): quiet unless
# they have a problem to report.
QUIET = ("aiormq", "aio_pika", "alembic", "asyncio", "asyncpg", "sqlalchemy")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(value: Any) -> str:
    text = str(value)
    return text if text and " " not in text and '"' not in text else orjson.dumps(text).decode()


class TextFormatter(logging.Formatter):
    """`<ts> <LEVEL> <logger> <msg> key=value …`, one line (a traceback follows on its own)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        pairs = " ".join(f"{k}={_text(v)}" for k, v in _fields(record).items() if v is not None)
        if pairs:
            line = f"{line} {pairs}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", …fields, "exc"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(level: str, fmt: LogFormat = "text", stream: TextIO | None = None) -> None:
    """Send every record to `stream` (stderr) in `fmt`; deployq at `level`, libraries at
    WARNING or above. Replaces whatever handlers the root logger had."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    quiet_libraries(root.level)


def quiet_libraries(level: int = logging.INFO) -> None:
    """The libraries underneath at WARNING (or `level` if higher). aiormq's connection errors
    are left out: deployq's broker module reports the same (unreachable, lost), once per
    outage and without credentials, where aiormq repeats them at ERROR on every attempt."""
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    logging.getLogger("aiormq.connection").setLevel(logging.CRITICAL)
