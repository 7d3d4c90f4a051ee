"""Configured bounds some handlers enforce, passed to them by the dispatcher (settings are read
by the entry points, never by a handler)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BACKFILL_MAX_RUNS = 1000


@dataclass(frozen=True, slots=True)
class Bounds:
    """`backfill_max_runs`: the most occurrences one `deployment.backfill` may cover
    (`DEPLOYQ_BACKFILL_MAX_RUNS`)."""

    backfill_max_runs: int = DEFAULT_BACKFILL_MAX_RUNS


DEFAULT_BOUNDS = Bounds()
