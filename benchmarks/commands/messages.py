"""The commands a run sends: realistic `deployment.create` bodies and reads of what they made.

The ceiling receives the same create bodies (it keys its upsert by `name`), so both sides parse
messages of the same size.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from benchmarks.commands.client import Command, Driver


def create_body(flow_id: str, name: str, index: int, *, scheduled: bool) -> dict[str, Any]:
    """A small, realistic deployment.create body."""
    body: dict[str, Any] = {
        "flow_id": flow_id,
        "name": name,
        "version": "2024.11.1",
        "description": "nightly extract and load of the orders tables",
        "entrypoint": "flows/etl.py:orders",
        "tags": ["bench", "etl", f"shard-{index % 8}"],
        "labels": {"team": "data", "tier": 2},
        "parameters": {"source": "orders", "batch_size": 500, "dry_run": False},
        "job_variables": {"image": "registry.local/etl:2024.11.1"},
    }
    if scheduled:
        body["schedules"] = [{"schedule": {"interval": 3600}}]
    return body


def creates(flow_id: str, prefix: str, count: int) -> list[Command]:
    """Unique names, a fresh message_id each; every other one carries an interval schedule."""
    out = []
    for i in range(count):
        scheduled = i % 2 == 0
        body = create_body(flow_id, f"{prefix}-{i:07d}", i, scheduled=scheduled)
        out.append(
            Command(
                "deployment.create",
                orjson.dumps(body),
                uuid.uuid4().hex,
                "with one interval schedule" if scheduled else "without schedule",
            )
        )
    return out


def reads(ids: Sequence[str]) -> list[Command]:
    return [Command("deployment.read", orjson.dumps({"id": i}), None) for i in ids]


async def flow_create(driver: Driver, exchange: str, name: str, reply_within: float) -> str:
    """The flow every created deployment belongs to."""
    body = orjson.dumps({"name": name, "tags": ["bench"]})
    _, reply, _ = await driver.call(
        exchange, Command("flow.create", body, uuid.uuid4().hex), timeout=reply_within
    )
    if not reply.get("ok"):
        raise RuntimeError(f"flow.create failed: {reply}")
    return str(reply["result"]["id"])
