"""One fuzz message, and the odd JSON values the generators draw from.

Some values cannot be built as Python objects and written by orjson (nesting deeper than its
limit, integers past 64 bits, `1e400`): they are `Raw` JSON text, spliced into the body after the
rest is serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

JSON = "application/json"


@dataclass(frozen=True)
class Raw:
    """JSON text to put in a body as is."""

    text: bytes


def deep(depth: int, *, shape: str = "list", closed: bool = True) -> Raw:
    """A value nested `depth` levels: `[[[…]]]` or `{"a":{"a":…}}`."""
    opening, closing = (b"[", b"]") if shape == "list" else (b'{"a":', b"}")
    inner = b"1" if shape == "object" else b""
    return Raw(opening * depth + inner + (closing * depth if closed else b""))


def encode(value: Any) -> bytes:
    """`value` as JSON, every `Raw` inside it spliced in."""
    spliced: list[bytes] = []

    def placeholder(raw: Any) -> Any:
        if isinstance(raw, Raw):
            spliced.append(raw.text)
            return f"\x00raw{len(spliced) - 1}\x00"
        raise TypeError(type(raw).__name__)

    text = orjson.dumps(value, default=placeholder, option=orjson.OPT_PASSTHROUGH_DATACLASS)
    for index, raw in enumerate(spliced):
        text = text.replace(orjson.dumps(f"\x00raw{index}\x00"), raw, 1)
    return text


# Values a field might be given by a careless or hostile sender: wrong types, numbers past every
# column's range, dates at the ends of the calendar, odd strings, deep and wide structures.
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 0.5, -0.0,
    2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, 2**63, Raw(b"-9223372036854775809"),
    Raw(b"18446744073709551616"), Raw(b"-18446744073709551617"), Raw(b"1e400"),
    1e308, -1e308, 1e20, -1e20, 5e-324,
    "", " ", "x" * 300, "x" * 70_000, "é中🙂\u202e", "\x00", "a\x00b", "%_\\'\"",
    "9999-12-31T23:00:00Z", "9999-12-31T23:59:59.999999-23:59", "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+23:59", "2026-02-30T00:00:00Z", "2026-01-01", "P1D", "NaN", "-inf",
    "not-a-uuid", "00000000-0000-0000-0000-000000000000",
    [], [None], ["x"] * 1000, {}, {"": None}, {"a": {"b": {"c": [1, 2, {"d": None}]}}},
    deep(32), deep(64, shape="object"), deep(254), deep(255), deep(300, shape="object"),
    deep(600), deep(1000, shape="object"), deep(1023),
]  # fmt: skip


@dataclass(frozen=True)
class Case:
    """A message to publish to `<ns>.commands`, and what was odd about it (`kind`)."""

    kind: str
    routing_key: str
    body: bytes
    reply: bool = True
    message_id: str | None = None  # None: no message_id property at all
    content_type: str = JSON  # "": no content_type property
    type: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    long_correlation_id: bool = False  # pad the correlation_id to AMQP's 255 bytes
    properties: dict[str, Any] = field(default_factory=dict)

    def correlation_id(self, serial: int) -> str:
        own = f"{serial:06d}-{self.kind[:40]}"
        if not self.long_correlation_id:
            return own
        return (own + "-" + "ç" * 200).encode()[:255].decode("utf-8", "ignore")
