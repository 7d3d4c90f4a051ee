"""The commands a run sends: realistic `deployment.create` and `deployment.update` bodies, and
reads of what they made.

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


def creates(flow_id: str, prefix: str, count: int, *, scheduled: bool = False) -> list[Command]:
    """Unique names, a fresh message_id each; each with one interval schedule if `scheduled`."""
    variant = "with one interval schedule" if scheduled else "without schedule"
    return [
        Command(
            "deployment.create",
            orjson.dumps(create_body(flow_id, f"{prefix}-{i:07d}", i, scheduled=scheduled)),
            uuid.uuid4().hex,
            variant,
        )
        for i in range(count)
    ]


def update_body(deployment_id: str, revision: int) -> dict[str, Any]:
    """What a team changes between releases: the description, the tags and the parameters."""
    return {
        "id": deployment_id,
        "description": f"nightly extract and load of the orders tables (revision {revision})",
        "tags": ["bench", "etl", f"rev-{revision % 16}"],
        "parameters": {"source": "orders", "batch_size": 500 + revision, "dry_run": False},
    }


def updates(ids: Sequence[str], first_revision: int = 1) -> list[Command]:
    """One `deployment.update` per id, each a fresh message_id."""
    return [
        Command(
            "deployment.update",
            orjson.dumps(update_body(i, first_revision + n)),
            uuid.uuid4().hex,
        )
        for n, i in enumerate(ids)
    ]


def reads(ids: Sequence[str]) -> list[Command]:
    return [Command("deployment.read", orjson.dumps({"id": i}), None) for i in ids]


async def flow_create(driver: Driver, exchange: str, name: str, reply_within: float) -> str:
    """The flow every created deployment belongs to."""
    body = orjson.dumps({"name": name, "tags": ["bench"]})
    _, reply, _, _ = await driver.call(
        exchange, Command("flow.create", body, uuid.uuid4().hex), timeout=reply_within
    )
    if not reply.get("ok"):
        raise RuntimeError(f"flow.create failed: {reply}")
    return str(reply["result"]["id"])
