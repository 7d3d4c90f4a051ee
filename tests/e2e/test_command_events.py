"""What a subscriber bound to `<ns>.events` sees for commands (CONTRACT §4): a deployment's life
announces exactly its events in commit order, and refused commands announce nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aio_pika.abc import AbstractIncomingMessage

from deployq.messages import events
from deployq.settings import Settings
from tests.cloudevents import envelope_of
from tests.e2e.events import hourly
from tests.e2e.wire import Wire
from tests.subscriber import Subscriber, subscribed
from tests.support import ok, refused, unique, wait_until


@pytest.fixture
async def subscriber(wire: Wire, settings: Settings) -> AsyncIterator[Subscriber]:
    """A subscriber on the session namespace, served by the session worker's relay."""
    async with subscribed(settings.amqp_url, settings.namespace) as found:
        yield found


@dataclass(frozen=True)
class Expected:
    type: str
    routing_key: str
    subject: str
    data: Any


def deployment_event(kind: str, deployment: dict[str, Any]) -> Expected:
    data = {k: v for k, v in deployment.items() if k != "outcome"}
    if kind == events.DEPLOYMENT_DELETED:
        data = {"id": deployment["id"]}
    return Expected(kind, kind.removeprefix("deployq."), deployment["id"], data)


def run_created(run: dict[str, Any]) -> Expected:
    key = f"flow_run.created.{run['deployment_id']}"
    return Expected(events.FLOW_RUN_CREATED, key, run["id"], run)


def run_deleted(run: dict[str, Any]) -> Expected:
    data = {
        "id": run["id"],
        "deployment_id": run["deployment_id"],
        "scheduled_time": run["next_scheduled_start_time"],
    }
    key = f"flow_run.deleted.{run['deployment_id']}"
    return Expected(events.FLOW_RUN_DELETED, key, run["id"], data)


def same_data(got: Any, expected: Any) -> bool:
    """Equal, datetimes compared as instants (an event may write `Z`, a reply `+00:00`)."""
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same_data(got[k], expected[k]) for k in got)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(map(same_data, got, expected))
    if isinstance(got, str) and isinstance(expected, str) and got != expected:
        try:
            return datetime.fromisoformat(got) == datetime.fromisoformat(expected)
        except ValueError:
            return False
    return bool(got == expected)


def check_segments(
    messages: list[AbstractIncomingMessage], segments: list[tuple[bool, list[Expected]]]
) -> None:
    """`messages` are the segments' events, segment after segment; inside a segment marked
    ordered, in its order, otherwise in any order (runs deleted by one statement)."""
    assert len(messages) == sum(len(s) for _, s in segments), [m.routing_key for m in messages]
    position = 0
    for ordered, given in segments:
        got = messages[position : position + len(given)]
        position += len(given)
        segment = given
        if not ordered:
            got = sorted(got, key=lambda m: str(orjson.loads(m.body)["subject"]))
            segment = sorted(given, key=lambda e: e.subject)
        for message, expected in zip(got, segment, strict=True):
            envelope = envelope_of(message)
            assert message.routing_key == expected.routing_key
            assert (envelope["type"], envelope["subject"]) == (expected.type, expected.subject)
            assert same_data(envelope["data"], expected.data), (envelope["data"], expected.data)


async def read_runs(wire: Wire, run_ids: list[str], *, namespace: str | None = None) -> list[Any]:
    return [ok(await wire.call("flow_run.read", {"id": r}, namespace=namespace)) for r in run_ids]


async def test_a_deployment_s_life_announces_exactly_its_events_in_commit_order(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    segments: list[tuple[bool, list[Expected]]] = []

    def expect(*expected: Expected, ordered: bool = True) -> None:
        segments.append((ordered, list(expected)))

    body = {"flow_id": flow["id"], "name": unique("life"), "schedules": hourly(soon)}
    created = ok(await wire.write("deployment.create", body))
    dep = created["id"]
    assert created["outcome"] == "created"
    expect(deployment_event(events.DEPLOYMENT_CREATED, created))
    for command, fields in [
        ("deployment.update", {"description": "second"}),
        ("deployment.pause", {}),
        ("deployment.resume", {}),
    ]:
        changed = ok(await wire.write(command, {"id": dep, **fields}))
        expect(deployment_event(events.DEPLOYMENT_UPDATED, changed))

    first = ok(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 3, "max_runs": 3}
        )
    )["run_ids"]
    assert len(first) == 3
    first_runs = await read_runs(wire, first)
    expect(*map(run_created, first_runs))

    changed = ok(await wire.write("deployment.update", {"id": dep, "tags": ["t"]}))
    expect(*map(run_deleted, first_runs), ordered=False)
    expect(deployment_event(events.DEPLOYMENT_UPDATED, changed))

    second = ok(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 2, "max_runs": 2}
        )
    )["run_ids"]
    assert len(second) == 2
    assert not set(second) & set(first)
    second_runs = await read_runs(wire, second)
    expect(*map(run_created, second_runs))

    assert ok(await wire.write("deployment.delete", {"id": dep})) == {"deleted": True}
    expect(*map(run_deleted, second_runs), ordered=False)
    expect(deployment_event(events.DEPLOYMENT_DELETED, created))

    total = sum(len(s) for _, s in segments)

    async def all_announced() -> bool:
        return len(subscriber.about(dep)) >= total

    await wait_until(all_announced, timeout=15)
    await subscriber.stays(len(subscriber.messages), window=1.0)

    mine = subscriber.about(dep)
    check_segments(mine, segments)
    assert len(set(subscriber.ids())) == len(subscriber.messages)
    created_ids = [
        orjson.loads(m.body)["subject"]
        for m in mine
        if m.type == events.FLOW_RUN_CREATED  # the `type` property, as a subscriber filters
    ]
    assert created_ids == first + second


async def test_refused_commands_publish_nothing(
    wire: Wire, flow: dict[str, Any], subscriber: Subscriber
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    body = {"flow_id": flow["id"], "name": unique("refused"), "schedules": hourly(soon)}
    dep = ok(await wire.write("deployment.create", body))["id"]
    run_ids = ok(
        await wire.write(
            "deployment.schedule_runs", {"deployment_id": dep, "min_runs": 2, "max_runs": 2}
        )
    )["run_ids"]

    async def announced() -> bool:
        return len(subscriber.about(dep)) == 1 + len(run_ids)

    # One relay publishes in commit order: whatever committed before has arrived too.
    await wait_until(announced, timeout=15)
    before = len(subscriber.messages)
    missing = str(uuid.uuid4())
    twice = [{"schedule": {"interval": 60}, "slug": "a"}] * 2

    refusals = [
        ("deployment.update", {"id": missing, "description": "x"}, "not_found"),
        ("deployment.pause", {"id": missing}, "not_found"),
        ("deployment.delete", {"id": missing}, "not_found"),
        ("deployment.schedule_runs", {"deployment_id": missing}, "not_found"),
        ("deployment.update", {"id": dep, "no_such_field": 1}, "validation_error"),
        ("deployment.create", {"flow_id": flow["id"]}, "validation_error"),
        # These two are refused after the handler deleted the runs and announced them.
        ("deployment.update", {"id": dep, "schedules": twice}, "conflict"),
        ("deployment.update", {"id": dep, "schedules": [{"active": True}]}, "validation_error"),
    ]
    for command, fields, code in refusals:
        refused(await wire.write(command, fields), code)

    await subscriber.stays(before, window=1.0)
    assert [r["id"] for r in await read_runs(wire, run_ids)] == run_ids
