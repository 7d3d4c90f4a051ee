"""`paused_at` and `paused_reason` as SQL expressions of the `paused` a statement writes
(CONTRACT §8), so every path that can pause or resume a deployment (the upsert, the general
update and the one-statement change) follows the same rules in the statement itself:

- paused → running or running → running: both null;
- running → paused: `paused_at` = now, `paused_reason` = the reason given (or null);
- paused → paused: `paused_at` kept, `paused_reason` replaced only when a reason is given.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from deployq.storage.tables import deployment

PAUSED = "paused"
REASON = "paused_reason"


def pause_columns(
    paused: sa.ColumnElement[Any],
    reason: sa.ColumnElement[Any] | None,
    now: sa.ColumnElement[Any],
) -> dict[str, sa.ColumnElement[Any]]:
    """SET values for the two columns. `paused` is the value being written; the row's own
    columns are its values before the statement; `reason` is None when no reason is given."""
    was = deployment.c
    kept = sa.case((was.paused, sa.func.coalesce(was.paused_at, now)), else_=now)
    paused_at = sa.case((sa.not_(paused), sa.null()), else_=kept)
    if reason is None:
        reason = sa.case((was.paused, was.paused_reason), else_=sa.null())
    paused_reason = sa.case((sa.not_(paused), sa.null()), else_=reason)
    return {"paused_at": paused_at, "paused_reason": paused_reason}


def bound_pause_columns(changes: tuple[str, ...]) -> dict[str, sa.ColumnElement[Any]]:
    """`pause_columns` for an UPDATE whose changes are bound by name (and `:now`); empty when
    the changes do not touch `paused`."""
    if PAUSED not in changes:
        return {}
    c = deployment.c
    reason = sa.bindparam(REASON, type_=c.paused_reason.type) if REASON in changes else None
    return pause_columns(
        sa.bindparam(PAUSED, type_=c.paused.type),
        reason,
        sa.bindparam("now", type_=c.updated.type),
    )
