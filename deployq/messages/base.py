"""Base classes and small value types shared by every wire model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

T = TypeVar("T")

Json = dict[str, Any]
Labels = dict[str, str | int | float | bool]
Operator = Literal["and_", "or_"]

# Every value is bounded here, at the edge, to what the database and the date maths hold: a
# value the models accepted must never fail later inside a handler (README, "Limits on values").
# Free-form JSON is bounded by the decoder (depth, DEPLOYQ_JSON_MAX_DEPTH; NUL characters).

INT32_MAX = 2**31 - 1  # PostgreSQL `integer`
INT64_MAX = 2**63 - 1  # PostgreSQL `bigint`, which is what OFFSET takes

Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
PositiveCount = Annotated[int, Field(ge=1, le=INT32_MAX)]
Offset = Annotated[int, Field(ge=0, le=INT64_MAX)]
Limit = Annotated[int, Field(ge=0, le=200)]

# A century: the longest interval and window; with the latest instant below, date maths stays
# well inside Python's datetime (year 9999).
MAX_SECONDS = 100 * 365 * 86400


def number_of_seconds(value: Any) -> Any:
    """Durations are numbers of seconds (CONTRACT §2): say so, once, for `"10m"` or `"1h"`,
    rather than one error per number type tried."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            pass
        else:
            return value
    raise PydanticCustomError(
        "seconds_type", "must be a number of seconds, e.g. 600 for ten minutes"
    )


Seconds = Annotated[
    float,
    BeforeValidator(number_of_seconds),
    Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False),
]

# A day after Python's first instant, so every time zone can show it; centuries before its last,
# so a window or interval added to it cannot leave year 9999. PostgreSQL holds far more.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "must be between 0001-01-02T00:00:00Z and 9000-01-01T00:00:00Z",
        )
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]

# Text in a btree-indexed column: PostgreSQL refuses index rows over 2704 bytes, so a name is at
# most 1000 characters and 2000 bytes of UTF-8.
MAX_NAME_CHARACTERS = 1000
MAX_NAME_BYTES = 2000


def _indexable(value: str) -> str:
    if len(value) * 4 > MAX_NAME_BYTES and len(value.encode()) > MAX_NAME_BYTES:
        raise PydanticCustomError(
            "string_too_long", "must be at most 2000 bytes in UTF-8 (it is indexed)"
        )
    return value


IndexedText = Annotated[str, Field(max_length=MAX_NAME_CHARACTERS), AfterValidator(_indexable)]
Name = Annotated[IndexedText, Field(min_length=1)]

# Each item of a filter list is a bind parameter, and PostgreSQL takes at most 32767 per
# statement; a filter has fewer than 30 lists.
MAX_FILTER_ITEMS = 1000
FilterList = Annotated[list[T], Field(max_length=MAX_FILTER_ITEMS)]

# Prefix of the tags of tagged unions; error locations drop them, as they are not body paths.
UNION_TAG = "@"


class Wire(BaseModel):
    """Immutable, strict about unknown fields: a misspelt field never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Command(Wire):
    """One command message. `command` is its routing key; `writes` says it needs a message_id."""

    command: ClassVar[str]
    writes: ClassVar[bool]


class Result(BaseModel):
    """A reply's `result`. Results are built by deployq, so they are not re-validated on output."""

    model_config = ConfigDict(frozen=True)


class Actor(Wire):
    """Who created or changed something (`created_by`, `updated_by`)."""

    id: UUID | None = None
    type: str | None = None
    display_value: str | None = None


class Page(Result):
    offset: int
    limit: int


class Counted(Result):
    count: int


class Deleted(Result):
    deleted: bool


class Timestamps(Result):
    id: UUID
    created: datetime
    updated: datetime
