"""What the e2e tests of CONTRACT §8 share: a deployment made over the wire, and the events a
subscriber got about it once a last write (whose event comes after every earlier one: one relay
publishes in commit order) has arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from tests.e2e.wire import Wire
from tests.subscriber import Subscriber
from tests.support import ok, unique, wait_until


def soon(minutes: int = 30) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)


async def deployment(wire: Wire, flow: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"flow_id": flow["id"], "name": unique("dep"), **fields}
    created: dict[str, Any] = ok(await wire.write("deployment.create", body))
    return created


def every(seconds: int, anchor: datetime, **fields: Any) -> dict[str, Any]:
    return {"schedule": {"interval": seconds, "anchor_date": anchor.isoformat()}, **fields}


async def settled(wire: Wire, subscriber: Subscriber, deployment_id: str) -> list[tuple[str, str]]:
    """(type, subject) of every event about the deployment, up to a closing `deployment.update`
    of its own (left out)."""
    marker = unique("marker")
    ok(await wire.write("deployment.update", {"id": deployment_id, "description": marker}))

    async def closed() -> bool:
        return any(_data(m).get("description") == marker for m in subscriber.about(deployment_id))

    await wait_until(closed, timeout=15)
    found = [
        (m.type or "", str(orjson.loads(m.body)["subject"]))
        for m in subscriber.about(deployment_id)
    ]
    return found[:-1]


def _data(message: Any) -> dict[str, Any]:
    data = orjson.loads(message.body)["data"]
    return data if isinstance(data, dict) else {}
