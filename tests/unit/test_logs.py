"""Log lines: JSON objects with the command's fields, or text with them as key=value."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from deployq.logs import configure


@pytest.fixture
def restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


FIELDS = {
    "command": "flow.create",
    "message_id": "m-1",
    "correlation_id": "c-1",
    "outcome": "ok",
    "duration_ms": 1.5,
}


@pytest.mark.usefixtures("restored")
def test_json_lines_carry_the_command_fields() -> None:
    stream = io.StringIO()
    configure("INFO", "json", stream)
    logging.getLogger("deployq.consumers.commands").info("handled", extra=FIELDS)
    logging.getLogger("deployq.x").warning("two\nlines")
    first, second = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert set(first) == {"ts", "level", "logger", "msg", *FIELDS}
    assert first["ts"].endswith("Z")
    assert (first["level"], first["logger"], first["msg"]) == (
        "INFO",
        "deployq.consumers.commands",
        "handled",
    )
    assert {k: first[k] for k in FIELDS} == FIELDS
    assert second["msg"] == "two\nlines"  # one JSON line all the same


@pytest.mark.usefixtures("restored")
def test_text_lines_are_readable_and_libraries_are_quiet() -> None:
    stream = io.StringIO()
    configure("DEBUG", "text", stream)
    logging.getLogger("deployq.consumers.commands").info("handled", extra=FIELDS)
    logging.getLogger("aiormq.connection").error("error when creating transport")
    logging.getLogger("alembic.runtime.migration").info("Context impl PostgresqlImpl.")
    logging.getLogger("aio_pika.robust").warning("kept")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(
        "INFO deployq.consumers.commands handled command=flow.create message_id=m-1 "
        "correlation_id=c-1 outcome=ok duration_ms=1.5"
    )
    assert lines[1].endswith("WARNING aio_pika.robust kept")
