"""The bundled client as a service uses it: typed results, one exception per error code, a
timeout that leaves nothing behind, and retries that reuse the message_id, so a command is
applied once however often the client sends it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aio_pika.abc import AbstractIncomingMessage

from deployq import errors
from deployq.client import Client, NamespaceNotFound, ReplyTimeout
from deployq.consumers.topology import Topology, declare
from deployq.messages.base import Counted
from deployq.messages.deployments import CreateDeployment, Deployment, DeploymentUpserted
from deployq.messages.flows import Flow
from deployq.messages.schedules import DeploymentSchedule
from deployq.settings import Settings
from deployq.storage.database import Database
from tests import rabbitmqctl
from tests.e2e.database import deployment_rows
from tests.e2e.wire import Wire
from tests.support import unique, wait_until
from tests.workers import running_worker


async def test_execute_returns_the_reply_models(client: Client) -> None:
    flow = await client.execute("flow.create", {"name": unique("flow")})
    command = CreateDeployment(
        flow_id=flow.id, name=unique("dep"), schedules=[{"schedule": {"interval": 3600}}]
    )

    created = await client.execute(command)
    read = await client.execute("deployment.read", {"id": str(created.id)})
    schedules = await client.execute("deployment.schedules.read", {"deployment_id": str(read.id)})
    counted = await client.execute("deployment.count", {"flows": {"id": {"any_": [str(flow.id)]}}})

    assert isinstance(flow, Flow)
    assert isinstance(created, DeploymentUpserted)
    assert created.outcome == "created"
    assert isinstance(read, Deployment)
    assert read.id == created.id
    assert [type(s) for s in schedules] == [DeploymentSchedule]
    assert schedules[0].schedule.interval == 3600
    assert counted == Counted(count=1)


@pytest.mark.parametrize(
    ("command", "body", "error"),
    [
        ("deployment.read", {"id": str(uuid.UUID(int=7))}, errors.NotFound),
        ("flow.create", {"name": "x", "colour": "red"}, errors.ValidationFailed),
        ("deployment.explode", {}, errors.UnknownCommand),
        ("flow.create", b"[1, 2]", errors.InvalidMessage),
    ],
)
async def test_an_error_reply_raises_the_class_of_its_code(
    client: Client, command: str, body: Any, error: type[errors.DeployqError]
) -> None:
    with pytest.raises(error) as raised:
        await client.execute(command, body)

    assert type(raised.value) is error
    assert raised.value.message
    assert isinstance(raised.value.details, list)
    assert any(error.code in note for note in raised.value.__notes__)


async def test_a_reused_message_id_raises_conflict(client: Client) -> None:
    message_id = uuid.uuid4().hex
    await client.execute("flow.create", {"name": unique("flow")}, message_id=message_id)

    with pytest.raises(errors.Conflict) as raised:
        await client.execute("flow.create", {"name": unique("flow")}, message_id=message_id)

    assert raised.value.details[0]["loc"] == ["message_id"]


async def test_a_missing_namespace_is_named_and_found_once_a_worker_declared_it(
    settings: Settings, wire: Wire
) -> None:
    own = settings.model_copy(update={"namespace": f"{settings.namespace}-{unique('late')}"})
    try:
        async with Client(own.amqp_url, own.namespace) as early:  # before any worker
            with pytest.raises(NamespaceNotFound, match=rf"'{own.namespace}\.commands'"):
                await early.call("system.ping")
            assert early.pending == 0

            async with running_worker(own):
                pong = await early.execute("system.ping")

        assert pong.version
    finally:
        await wire.delete_namespace(own.namespace)


@pytest.fixture
async def idle(settings: Settings, wire: Wire) -> AsyncIterator[Settings]:
    """A namespace whose queues exist but no worker consumes (until a test starts one); the
    wire's channel also keeps a copy of every command published to it."""
    own = settings.model_copy(update={"namespace": f"{settings.namespace}-cl-{unique('n')}"})
    await declare(wire.channel, Topology(own.namespace))
    try:
        yield own
    finally:
        await wire.delete_namespace(own.namespace)


async def copies_of(wire: Wire, namespace: str) -> list[AbstractIncomingMessage]:
    """Every command published to `namespace` from now on, kept as it was sent."""
    seen: list[AbstractIncomingMessage] = []
    spy = await wire.channel.declare_queue(exclusive=True, auto_delete=True)
    await spy.bind(f"{namespace}.commands", routing_key="#")

    async def keep(message: AbstractIncomingMessage) -> None:
        seen.append(message)

    await spy.consume(keep, no_ack=True)
    return seen


async def test_a_timeout_leaves_no_waiter_and_a_retry_with_its_id_applies_once(
    idle: Settings, client: Client, db: Database
) -> None:
    name = unique("late")
    await client.execute("flow.create", {"name": name})  # the database is the run's, shared
    body = {"flow_name": name, "name": name}
    async with Client(idle.amqp_url, idle.namespace, timeout=0.3) as own:
        with pytest.raises(ReplyTimeout) as raised:
            await own.call("deployment.create", body)
        assert own.pending == 0
        message_id = raised.value.message_id
        assert message_id in str(raised.value)

        async with running_worker(idle):
            again = await own.execute("deployment.create", body, message_id=message_id, timeout=15)

    assert again.name == name
    assert await deployment_rows(db, name) == 1


async def test_a_lost_connection_republishes_with_the_same_message_id(
    idle: Settings, client: Client, wire: Wire, db: Database
) -> None:
    await rabbitmqctl.require(idle.amqp_url)
    name = unique("robust")
    await client.execute("flow.create", {"name": name})
    seen = await copies_of(wire, idle.namespace)
    connection_name = f"client-{name}"
    async with Client(idle.amqp_url, idle.namespace, name=connection_name) as own:
        body = {"flow_name": name, "name": name}
        call = asyncio.create_task(own.execute("deployment.create", body, timeout=60))

        async def sent(copies: int) -> bool:
            return len(seen) >= copies

        await wait_until(lambda: sent(1))
        assert await rabbitmqctl.close_connections(connection_name) == 1
        await wait_until(lambda: sent(2), timeout=30)
        async with running_worker(idle):
            created = await asyncio.wait_for(call, 30)

    assert {m.message_id for m in seen} == {seen[0].message_id}
    assert created.name == name
    assert await deployment_rows(db, name) == 1


async def test_publish_is_fire_and_forget_and_returns_its_message_id(client: Client) -> None:
    name = unique("fire")

    message_id = await client.publish("flow.create", {"name": name})

    async def created() -> Any:
        reply = await client.call("flow.read", {"name": name})
        return reply.ok and reply.result

    flow = await wait_until(created)
    assert flow["name"] == name
    assert uuid.UUID(message_id)
    assert client.pending == 0
