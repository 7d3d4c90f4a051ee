"""Failures with real services: a handler that keeps failing, a worker told to stop mid-burst,
and database connections cut while commands flow (CONTRACT §3 `internal`, §6)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from deployq.settings import Settings
from deployq.storage.database import Database
from deployq.storage.migrate import upgrade
from tests.e2e.database import deployment_rows, deployment_trigger, trigger_calls
from tests.e2e.wire import (
    MARKS,
    Wire,
    check_reply,
    error,
    header,
    ping,
    result,
    running_worker,
)
from tests.support import unique, wait_until

pytestmark = [*MARKS, pytest.mark.slow]


def replies_for(wire: Wire, correlation_ids: list[str]) -> int:
    return sum(1 for c in correlation_ids if wire.replies.get(c))


async def all_replied(wire: Wire, correlation_ids: list[str], *, within: float) -> None:
    async def done() -> bool:
        return replies_for(wire, correlation_ids) == len(correlation_ids)

    await wait_until(done, timeout=within)


def all_ok(wire: Wire, sent: dict[str, str]) -> None:
    """Every command (correlation_id → command) has exactly one reply, and it is `ok`."""
    for correlation_id, command in sent.items():
        (message,) = wire.replies[correlation_id]
        result(check_reply(message, command=command, correlation_id=correlation_id))


@pytest.mark.parametrize("reply", [True, False], ids=["with reply_to", "fire-and-forget"])
async def test_unexpected_failure_is_retried_to_the_limit_then_answered_once(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings, reply: bool
) -> None:
    prefix = unique("boom")
    name = f"{prefix}-dep"
    body = orjson.dumps({"flow_id": flow["id"], "name": name})
    message_id = uuid.uuid4().hex
    refuse = "RAISE EXCEPTION 'e2e refuses deployment %', NEW.name;"
    async with deployment_trigger(db.engine, prefix, refuse) as trigger:
        correlation_id = await wire.publish(
            "deployment.create", body, message_id=message_id, reply=reply
        )

        letter = await wire.dead_letter(message_id, within=30)
        if reply:
            answer = check_reply(
                await wire.reply(correlation_id),
                command="deployment.create",
                correlation_id=correlation_id,
            )
            failure = error(answer, "internal")
            assert header(letter, "x-deployq-error-message") == failure["message"]
        await wire.assert_quiet(
            replies={correlation_id: 1 if reply else 0}, dead={message_id: 1}, window=1.0
        )
        attempts = await trigger_calls(db.engine, trigger)

    assert header(letter, "x-deployq-error-code") == "internal"
    assert letter.body == body
    assert letter.correlation_id == correlation_id
    assert letter.message_id == message_id
    assert letter.routing_key == "deployment.create"
    assert attempts == settings.delivery_limit
    assert await deployment_rows(db, prefix) == 0
    await ping(wire)


async def test_dead_letter_republished_after_the_fix_is_applied_once(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    """CONTRACT §5: an operator can re-publish a dead letter as it is, once the cause is gone."""
    prefix = unique("fixed")
    message_id = uuid.uuid4().hex
    refuse = "RAISE EXCEPTION 'e2e refuses deployment %', NEW.name;"
    async with deployment_trigger(db.engine, prefix, refuse):
        correlation_id = await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=message_id,
        )
        letter = await wire.dead_letter(message_id, within=30)
        await wire.reply(correlation_id)
        error(reply_body(wire, correlation_id, 0), "internal")

    republished = aio_pika.Message(
        letter.body,
        headers=dict(letter.headers or {}),
        content_type=letter.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=letter.message_id,
        correlation_id=letter.correlation_id,
        reply_to=letter.reply_to,
    )
    exchange = await wire.channel.get_exchange(f"{wire.namespace}.commands", ensure=False)
    await exchange.publish(republished, routing_key=letter.routing_key or "")

    async def second_reply() -> bool:
        return len(wire.replies[correlation_id]) == 2

    await wait_until(second_reply, timeout=30)
    assert result(reply_body(wire, correlation_id, 1))["outcome"] == "created"
    await wire.assert_quiet(replies={correlation_id: 2}, dead={message_id: 1}, window=0.5)
    assert await deployment_rows(db, prefix) == 1


async def test_republished_dead_letter_gets_the_whole_delivery_limit(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    prefix = unique("again")
    message_id = uuid.uuid4().hex
    refuse = "RAISE EXCEPTION 'e2e refuses deployment %', NEW.name;"
    async with deployment_trigger(db.engine, prefix, refuse) as trigger:
        await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=message_id,
            reply=False,
        )
        letter = await wire.dead_letter(message_id, within=30)
        first_round = await trigger_calls(db.engine, trigger)

        republished = aio_pika.Message(
            letter.body,
            headers=dict(letter.headers or {}),
            content_type=letter.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=letter.message_id,
            correlation_id=letter.correlation_id,
        )
        exchange = await wire.channel.get_exchange(f"{wire.namespace}.commands", ensure=False)
        await exchange.publish(republished, routing_key=letter.routing_key or "")

        async def dead_again() -> bool:
            return len(wire.dead_letters(message_id)) == 2

        await wait_until(dead_again, timeout=30)
        second_round = await trigger_calls(db.engine, trigger) - first_round

    assert first_round == settings.delivery_limit
    assert second_round == settings.delivery_limit


def reply_body(wire: Wire, correlation_id: str, index: int) -> dict[str, Any]:
    """The checked body of the `index`-th reply already received for `correlation_id`."""
    message = wire.replies[correlation_id][index]
    return check_reply(message, command="deployment.create", correlation_id=correlation_id)


async def test_failure_that_stops_is_applied_once_and_answered_ok(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    """Fails on the first two deliveries only: the third attempt applies it, one reply."""
    prefix = unique("flaky")
    fail_twice = (
        "IF currval((TG_NAME || '_calls')::regclass) <= 2 THEN "
        "RAISE EXCEPTION 'e2e flaky %', NEW.name; END IF;"
    )
    async with deployment_trigger(db.engine, prefix, fail_twice) as trigger:
        correlation_id = await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=uuid.uuid4().hex,
        )
        answer = check_reply(
            await wire.reply(correlation_id, within=30),
            command="deployment.create",
            correlation_id=correlation_id,
        )
        await wire.assert_quiet(replies={correlation_id: 1}, dead={correlation_id: 0}, window=0.5)
        attempts = await trigger_calls(db.engine, trigger)

    assert result(answer)["outcome"] == "created"
    assert attempts == 3
    assert await deployment_rows(db, prefix) == 1


@asynccontextmanager
async def worker_process(
    settings: Settings, namespace: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """`python -m deployq worker` on the run's database and `namespace`; yields the process and
    the lines of its log as they come, once it consumes."""
    env = {
        **os.environ,
        "DEPLOYQ_AMQP_URL": settings.amqp_url,
        "DEPLOYQ_DATABASE_URL": settings.database_url,
        "DEPLOYQ_NAMESPACE": namespace,
        "DEPLOYQ_SHUTDOWN_GRACE_SECONDS": "30",
        "DEPLOYQ_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deployq", "worker",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    lines: list[str] = []

    async def read_log() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            lines.append(line.decode(errors="replace"))

    reader = asyncio.create_task(read_log())

    async def consuming() -> bool:
        assert process.returncode is None, "".join(lines)
        return any("consuming" in line for line in lines)

    try:
        await wait_until(consuming, timeout=30)
        yield process, lines
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader


async def test_sigterm_finishes_commands_in_hand_and_loses_none(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    namespace = f"{settings.namespace}-drain-{uuid.uuid4().hex[:6]}"
    prefix = unique("drain")
    slow = "PERFORM pg_sleep(0.2);"
    sent: dict[str, str] = {}
    try:
        async with (
            deployment_trigger(db.engine, prefix, slow),
            worker_process(settings, namespace) as (process, log),
        ):
            await wire.watch_dead_letters(namespace)
            for n in range(60):
                body = {"flow_id": flow["id"], "name": f"{prefix}-{n:02d}"}
                correlation_id = await wire.publish(
                    "deployment.create", body, message_id=uuid.uuid4().hex, namespace=namespace
                )
                sent[correlation_id] = "deployment.create"
            process.send_signal(signal.SIGTERM)

            code = await asyncio.wait_for(process.wait(), 60)

            assert code == 0, "".join(log)
            # It finished what it had in hand, and took nothing new once told to stop.
            answered_by_first = replies_for(wire, list(sent))
            assert 0 < answered_by_first < len(sent), "".join(log)
            async with running_worker(settings.model_copy(update={"namespace": namespace})):
                await all_replied(wire, list(sent), within=30)
                await wire.assert_quiet(replies=dict.fromkeys(sent, 1), window=1.0)
    finally:
        await wire.delete_namespace(namespace)

    all_ok(wire, sent)
    assert not [m for m in wire.dead if m.correlation_id in sent]
    assert await deployment_rows(db, prefix) == len(sent)


@asynccontextmanager
async def scratch_database(settings: Settings) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A database of this test's own, migrated, so cutting its connections touches nobody else.
    Yields its URL and an AUTOCOMMIT engine on the server's maintenance database."""
    server = make_url(settings.database_url)
    name = f"{server.database}_cut_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url, admin
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def cut_connections(admin: AsyncEngine, database: str) -> int:
    statement = sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = :name AND pid <> pg_backend_pid()"
    )
    async with admin.connect() as connection:
        return int((await connection.execute(statement, {"name": database})).scalar_one())


async def test_cut_database_connections_are_retried_and_applied_once(
    wire: Wire, settings: Settings
) -> None:
    namespace = f"{settings.namespace}-cut-{uuid.uuid4().hex[:6]}"
    prefix = unique("cut")
    sent: dict[str, str] = {}
    async with scratch_database(settings) as (url, admin):
        database = make_url(url).database or ""
        own = settings.model_copy(update={"namespace": namespace, "database_url": url})
        scratch = Database(create_async_engine(url, poolclass=sa.NullPool))
        try:
            async with (
                running_worker(own),
                deployment_trigger(scratch.engine, prefix, "PERFORM pg_sleep(0.1);") as trigger,
            ):
                await wire.watch_dead_letters(namespace)
                flow = result(
                    await wire.write("flow.create", {"name": unique("flow")}, namespace=namespace)
                )
                for n in range(45):
                    if n % 3 == 2:
                        command, body = "system.ping", {}
                    else:
                        command = "deployment.create"
                        body = {"flow_id": flow["id"], "name": f"{prefix}-{n:02d}"}
                    correlation_id = await wire.publish(
                        command, body, message_id=uuid.uuid4().hex, namespace=namespace
                    )
                    sent[correlation_id] = command

                cut = 0
                for share in (1, len(sent) // 3, 2 * len(sent) // 3):

                    async def progressed(share: int = share) -> bool:
                        return replies_for(wire, list(sent)) >= share

                    await wait_until(progressed, timeout=30)
                    cut += await cut_connections(admin, database)
                await all_replied(wire, list(sent), within=60)
                await wire.assert_quiet(replies=dict.fromkeys(sent, 1), window=1.0)
                assert cut > 0
                rows = await deployment_rows(scratch, prefix)
                calls = await trigger_calls(scratch.engine, trigger)
        finally:
            await scratch.dispose()
            await wire.delete_namespace(namespace)

    all_ok(wire, sent)
    assert not [m for m in wire.dead if m.correlation_id in sent]
    assert rows == list(sent.values()).count("deployment.create")
    # Some inserts were cut off mid-statement and ran again: the cuts hit commands in flight.
    assert calls > rows
