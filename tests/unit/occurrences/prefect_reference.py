"""Reference dates from Prefect's own schedule classes, for the differential test.

Run with an interpreter that has Prefect installed (never deployq's): it reads a JSON list of
cases on stdin and writes, for each, {"dates": [[utc_iso, offset_seconds], ...]} or
{"error": "..."} on stdout. A case is {"kind": "interval" | "cron" | "rrule", "start": iso,
"end": iso | null, "n": int | null, ...} plus `interval` (seconds), `anchor` (iso) and
`timezone`; or `cron`, `timezone`, `day_or`; or `rrule`, `timezone`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect.server.schemas.schedules import (  # type: ignore[import-not-found, unused-ignore]
    CronSchedule,
    IntervalSchedule,
    RRuleSchedule,
)


def build(case: dict[str, Any]) -> Any:
    kind = case["kind"]
    if kind == "interval":
        return IntervalSchedule(
            interval=timedelta(seconds=case["interval"]),
            anchor_date=datetime.fromisoformat(case["anchor"]),
            timezone=case["timezone"],
        )
    if kind == "cron":
        return CronSchedule(cron=case["cron"], timezone=case["timezone"], day_or=case["day_or"])
    return RRuleSchedule(rrule=case["rrule"], timezone=case["timezone"])


async def answer(case: dict[str, Any]) -> dict[str, Any]:
    try:
        schedule = build(case)
        found = await schedule.get_dates(
            n=case["n"],
            start=datetime.fromisoformat(case["start"]),
            end=datetime.fromisoformat(case["end"]) if case["end"] else None,
        )
    except Exception as exc:  # a reference failure is data for the caller, not a crash
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "dates": [
            [moment.astimezone(UTC).isoformat(), moment.utcoffset().total_seconds()]
            for moment in found
        ]
    }


async def main() -> None:
    cases = json.load(sys.stdin)
    results = [await answer(case) for case in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
