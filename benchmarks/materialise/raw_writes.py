"""The baselines of `benchmarks.materialise`: the rows a pass stored, written again raw.

`capture` reads back what a pass wrote (runs, their state rows, outbox rows); the raw writers
insert exactly those rows through asyncpg into fresh copies of the tables (same indexes, same
foreign keys, same column compression), with no planning, no JSON building and no conflict
handling beyond the `ON CONFLICT DO NOTHING` the runs' insert carries anyway.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

RUN_COLUMNS = (
    ("id", "uuid"),
    ("created", "timestamptz"),
    ("updated", "timestamptz"),
    ("name", "text"),
    ("flow_id", "uuid"),
    ("deployment_id", "uuid"),
    ("deployment_version", "text"),
    ("work_queue_name", "text"),
    ("work_queue_id", "uuid"),
    ("parameters", "jsonb"),
    ("idempotency_key", "text"),
    ("tags", "jsonb"),
    ("labels", "jsonb"),
    ("auto_scheduled", "bool"),
    ("run_count", "int"),
    ("state_id", "uuid"),
    ("state_type", "text"),
    ("state_name", "text"),
    ("expected_start_time", "timestamptz"),
    ("next_scheduled_start_time", "timestamptz"),
    ("infrastructure_document_id", "uuid"),
    ("created_by", "jsonb"),
    ("schedule_id", "uuid"),
)
STATE_COLUMNS = (
    ("id", "uuid"),
    ("flow_run_id", "uuid"),
    ("type", "text"),
    ("name", "text"),
    ("timestamp", "timestamptz"),
    ("message", "text"),
    ("scheduled_time", "timestamptz"),
)


@dataclass(frozen=True)
class Captured:
    runs: list[list[Any]]
    states: list[list[Any]]
    outbox: list[tuple[Any, ...]]

    @property
    def count(self) -> int:
        return len(self.runs[0])


def _select(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f'"{n}"::text' if t == "jsonb" else f'"{n}"' for n, t in columns)


def _insert(table: str, columns: tuple[tuple[str, str], ...], conflict: str = "") -> str:
    names = ", ".join(f'"{n}"' for n, _ in columns)
    arrays = ", ".join(f"${i + 1}::{t}[]" for i, (_, t) in enumerate(columns))
    return f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}"


async def capture(connection: asyncpg.Connection) -> Captured:
    """What the pass stored, as column arrays in insertion order (jsonb as text, which is what
    asyncpg sends for jsonb)."""
    runs = await connection.fetch(f"SELECT {_select(RUN_COLUMNS)} FROM flow_run ORDER BY id")
    states = await connection.fetch(
        f"SELECT {_select(STATE_COLUMNS)} FROM flow_run_state ORDER BY flow_run_id"
    )
    outbox = await connection.fetch(
        "SELECT event_ids, routing_keys, types, bodies FROM outbox ORDER BY seq"
    )
    return Captured(
        runs=[[r[i] for r in runs] for i in range(len(RUN_COLUMNS))],
        states=[[r[i] for r in states] for i in range(len(STATE_COLUMNS))],
        outbox=[tuple(r) for r in outbox],
    )


async def _fresh_tables(connection: asyncpg.Connection) -> tuple[str, str, str]:
    suffix = uuid.uuid4().hex[:8]
    runs, states, outbox = f"raw_run_{suffix}", f"raw_state_{suffix}", f"raw_outbox_{suffix}"
    await connection.execute(
        f"""
        CREATE TABLE {runs} (LIKE flow_run INCLUDING ALL);
        ALTER TABLE {runs} ADD FOREIGN KEY (flow_id) REFERENCES flow (id) ON DELETE CASCADE;
        CREATE TABLE {states} (LIKE flow_run_state INCLUDING ALL);
        ALTER TABLE {states} ADD FOREIGN KEY (flow_run_id) REFERENCES {runs} (id)
            ON DELETE CASCADE;
        CREATE TABLE {outbox} (LIKE outbox INCLUDING ALL);
        CHECKPOINT;
        """
    )
    return runs, states, outbox


async def write_raw(
    dsn: str,
    captured: Captured,
    *,
    chunk: int | None,
    states: bool = False,
    events: bool = False,
    per_outbox_row: int = 10_000,
) -> float:
    """Runs per second of the raw insert into fresh tables, in one transaction.

    `chunk`: runs per statement (None: one statement). `states`: the state rows too;
    `events`: the outbox rows too (one per `per_outbox_row` runs, as a pass writes them).
    """
    connection = await asyncpg.connect(dsn)
    try:
        runs, state_table, outbox = await _fresh_tables(connection)
        insert_runs = _insert(
            runs, RUN_COLUMNS, "ON CONFLICT (flow_id, idempotency_key) DO NOTHING"
        )
        insert_states = _insert(state_table, STATE_COLUMNS)
        insert_outbox = (
            f"INSERT INTO {outbox} (event_ids, routing_keys, types, bodies) VALUES ($1, $2, $3, $4)"
        )
        total = captured.count
        step = chunk or total
        pending_outbox = list(captured.outbox)
        began = time.perf_counter()
        async with connection.transaction():
            for first in range(0, total, step):
                part = slice(first, first + step)
                await connection.execute(insert_runs, *(c[part] for c in captured.runs))
                if states:
                    await connection.execute(insert_states, *(c[part] for c in captured.states))
                if events and pending_outbox and (first + step) % per_outbox_row < step:
                    await connection.execute(insert_outbox, *pending_outbox.pop(0))
            for row in pending_outbox if events else []:
                await connection.execute(insert_outbox, *row)
        elapsed = time.perf_counter() - began
        assert await connection.fetchval(f"SELECT count(*) FROM {runs}") == total
        await connection.execute(f"DROP TABLE {state_table}, {runs}, {outbox}")
        return total / elapsed
    finally:
        await connection.close()
