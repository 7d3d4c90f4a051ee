"""Statements compiled once and run on the asyncpg connection itself.

The few statements every command runs (inbox, the deployment upsert and read, outbox) are
SQLAlchemy Core statements compiled at import; running them through the driver skips the
per-execution work of the ORM-less engine (cache keys, execution contexts, result wrapping),
which was most of a write's CPU time. Everything else goes through SQLAlchemy as usual, inside
the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


def json_text(value: object) -> str:
    """JSON for json/jsonb columns (orjson: fast, and it knows UUIDs and datetimes)."""
    return orjson.dumps(value).decode()


_DIALECT = asyncpg_dialect(json_serializer=json_text)  # type: ignore[no-untyped-call]


Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    """SQL text with `$n` placeholders, the parameter names in their order, and the bind
    processors of their types (JSON is serialised here, as SQLAlchemy would)."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor | None, ...]
    # Values written into the statement itself (`column == "SCHEDULED"`), used when the caller
    # does not give them.
    fixed: Mapping[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> Compiled:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        names = tuple(compiled.positiontup or ())
        processors = tuple(
            compiled.binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            for name in names
        )
        fixed = {
            name: compiled.binds[name].value
            for name in names
            if not compiled.binds[name].required and compiled.binds[name].callable is None
        }
        return cls(compiled.string, names, processors, fixed)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = params if not self.fixed else {**self.fixed, **params}
        return [
            values[name] if process is None else process(values[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]


class Driver:
    """The unit of work's asyncpg connection, for compiled statements."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def fetch(self, statement: Compiled, params: Mapping[str, Any]) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.connection.fetch(
            statement.sql, *statement.args(params)
        )
        return rows

    async def fetchrow(
        self, statement: Compiled, params: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.connection.fetchrow(
            statement.sql, *statement.args(params)
        )
        return row

    async def execute(self, statement: Compiled, params: Mapping[str, Any]) -> int:
        """The number of rows the statement touched."""
        status: str = await self.connection.execute(statement.sql, *statement.args(params))
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, statement: Compiled, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.connection.executemany(statement.sql, [statement.args(r) for r in rows])
