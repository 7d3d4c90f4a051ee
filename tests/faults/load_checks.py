"""What a load test finds once the load is over: the database's rows, the answers the client got,
the events the tap holds, and what is left on the broker's queues."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from deployq.messages.events import DEPLOYMENT_CREATED, DEPLOYMENT_UPDATED
from tests.faults.caller import Caller
from tests.faults.events import Tap
from tests.support import wait_until

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], good: Callable[[T], bool], timeout: float
) -> T:
    """Probe until `good` holds or `timeout` passes; the last value either way, so a test can
    report what it found instead of only that it waited in vain."""
    last: list[T] = []

    async def holds() -> bool:
        last[:] = [await probe()]
        return good(last[0])

    with contextlib.suppress(AssertionError):
        await wait_until(holds, timeout=timeout, interval=0.25)
    return last[0]


async def stored(url: str, prefix: str, message_ids: list[str]) -> tuple[dict[str, list[str]], int]:
    """Deployment name → ids of the rows with that name; how many of `message_ids` the inbox
    holds."""
    engine = create_async_engine(url, poolclass=sa.NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT name, id::text FROM deployment WHERE starts_with(name, :prefix)"),
                {"prefix": prefix},
            )
            found: dict[str, list[str]] = {}
            for name, row_id in rows:
                found.setdefault(name, []).append(row_id)
            inbox = await connection.execute(
                sa.text("SELECT count(*) FROM inbox WHERE message_id = ANY(:ids)"),
                {"ids": message_ids},
            )
            return found, int(inbox.scalar_one())
    finally:
        await engine.dispose()


@dataclass
class LoadFindings:
    sent: int
    applied_once: int = 0
    answered: int = 0
    inconsistent: list[str] = field(default_factory=list)  # message_ids answered differently
    refused: list[Any] = field(default_factory=list)  # first replies that are not `created`
    announced: int = 0
    announced_twice: list[str] = field(default_factory=list)  # deployments
    stuck: int = 0
    dead: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.applied_once} applied once, {self.answered} answered "
            f"({len(self.inconsistent)} inconsistent, {len(self.refused)} not created), "
            f"{self.announced} announced ({len(self.announced_twice)} twice), "
            f"{self.stuck} stuck, {self.dead} dead"
        )

    def failures(self) -> list[str]:
        found = list(self.problems)
        if self.applied_once != self.sent:
            found.append(f"{self.sent - self.applied_once} command(s) not applied exactly once")
        if self.answered != self.sent:
            found.append(f"{self.sent - self.answered} command(s) never answered")
        if self.inconsistent:
            found.append(f"answers differ for {self.inconsistent[:5]}")
        if self.refused:
            found.append(f"answers other than `created`: {self.refused[:3]}")
        if self.announced != self.sent or self.announced_twice:
            found.append(
                f"{self.sent - self.announced} deployment(s) not announced, "
                f"{len(self.announced_twice)} announced as more than one change"
            )
        if self.stuck:
            found.append(f"{self.stuck} message(s) left ready or unacked on the command queue")
        if self.dead:
            found.append(f"{self.dead} message(s) dead-lettered")
        return found


def judge_answers(findings: LoadFindings, caller: Caller, message_ids: dict[str, str]) -> None:
    """One answer per command: every reply to a message_id the same, and `created`."""
    for message_id in message_ids.values():
        got = caller.replies.get(message_id, [])
        if not got:
            continue
        findings.answered += 1
        first = got[0].body
        if any(r.body != first for r in got[1:]):
            findings.inconsistent.append(message_id)
        if not first.get("ok") or first["result"].get("outcome") != "created":
            findings.refused.append(first)


def judge_effects(
    findings: LoadFindings,
    rows: dict[str, list[str]],
    inbox_rows: int,
    tap: Tap,
    caller: Caller,
    message_ids: dict[str, str],
) -> None:
    """Applied once: one row per name, an inbox row per command, only `created` answers, and no
    later change announced; announced: a `deployment.created` for each, under one event id."""
    created = tap.event_ids(DEPLOYMENT_CREATED)
    updated = tap.event_ids(DEPLOYMENT_UPDATED)
    if inbox_rows != len(message_ids):
        findings.problems.append(f"the inbox holds {inbox_rows} of {len(message_ids)} commands")
    refused = {id(body) for body in findings.refused}
    for name, message_id in message_ids.items():
        ids = rows.get(name, [])
        if len(ids) != 1:
            continue
        deployment_id = ids[0]
        if created.get(deployment_id):
            findings.announced += 1
        if len(created.get(deployment_id, ())) > 1 or updated.get(deployment_id):
            findings.announced_twice.append(deployment_id)
            continue
        replies = caller.replies.get(message_id, [])
        if (
            replies
            and id(replies[0].body) not in refused
            and message_id not in findings.inconsistent
        ):
            findings.applied_once += 1
