"""Base classes and small value types shared by every wire model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Json = dict[str, Any]
Labels = dict[str, str | int | float | bool]
Operator = Literal["and_", "or_"]
Offset = Annotated[int, Field(ge=0)]
Limit = Annotated[int, Field(ge=0, le=200)]
Instant = AwareDatetime
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
