"""Row locks a read may take, written once for every repository that offers them.

`share` (FOR KEY SHARE) keeps a row from being deleted or re-keyed until the transaction ends,
without blocking other readers or ordinary updates: a deployment being routed to a pool or
queue takes it. `update` (FOR UPDATE) is taken by the row's own deletion.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa

Lock = Literal["share", "update"] | None


def locked(statement: sa.Select[Any], lock: Lock, *, of: sa.Table | None = None) -> sa.Select[Any]:
    """`statement` with the lock asked for, on the rows of `of` (all joined tables if None)."""
    if lock == "share":
        return statement.with_for_update(key_share=True, read=True, of=of)
    if lock == "update":
        return statement.with_for_update(of=of)
    return statement
