"""`deployq call` as a user meets it: replies on stdout, every failure one line on stderr with
its documented exit code (README, *Exit codes*), bodies checked before they are sent."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

import orjson

from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import unique, wait_until
from tests.terminal import deployq
from tests.workers import environment


async def test_a_reply_is_printed_and_its_error_sets_the_exit_code(
    settings: Settings, wire: Wire
) -> None:
    name = unique("cli")
    made = await deployq(settings, "call", "flow.create", f"name={name}", 'tags:=["a"]')
    assert made.code == 0, made
    assert orjson.loads(made.out)["result"]["tags"] == ["a"]

    missing = await deployq(settings, "call", "deployment.create", "flow_name=nope", "name=d")
    assert missing.code == 1, missing
    assert orjson.loads(missing.out)["error"]["code"] == "not_found"
    assert missing.lines == [
        "deployq: deployment.create refused: not_found: flow 'nope' does not exist; "
        "create it with flow.create"
    ]


async def test_a_body_is_refused_locally_as_the_worker_would_refuse_it(
    settings: Settings, wire: Wire
) -> None:
    schedule = '{"name": "d", "flow_name": "f", "schedules": [{"schedule": {"interval": "10m"}}]}'
    local = await deployq(settings, "call", "deployment.create", schedule)
    sent = await deployq(settings, "call", "deployment.create", schedule, "--no-check")
    assert (local.code, sent.code) == (2, 1), (local, sent)
    assert orjson.loads(local.out) == orjson.loads(sent.out)  # the same code, message, details
    assert local.lines == [
        "deployq: not sent: validation_error: deployment.create: 1 invalid field(s) "
        "(schedules.0.schedule.interval: must be a number of seconds, e.g. 600 for ten minutes)"
    ]

    listed = await deployq(settings, "call", "flow.create", '["etl"]')
    assert listed.code == 2
    assert listed.lines == [
        "deployq: not sent: invalid_message: body must be a JSON object, not list"
    ]

    bare = await deployq(settings, "call", "flow.create", "{name")
    assert bare.code == 2
    assert len(bare.lines) == 1
    assert "name=etl" in bare.err


async def test_a_near_command_name_is_suggested_and_help_lists_them(settings: Settings) -> None:
    typo = await deployq(settings, "call", "flow.craete", "name=x")
    assert typo.code == 2
    assert typo.lines == [
        "deployq: not sent: unknown_command: no command is named 'flow.craete'; "
        "did you mean flow.create?"
    ]
    shown = await deployq(settings, "call", "--help", COLUMNS="200")
    assert shown.code == 0
    for command in ("flow.create", "deployment.schedules.delete_all", "system.ping"):
        assert command in shown.out


async def test_a_wrong_namespace_and_a_broker_away_are_one_line_each(settings: Settings) -> None:
    nowhere = await deployq(settings, "call", "system.ping", DEPLOYQ_NAMESPACE="nowhere-at-all")
    assert nowhere.code == 4
    assert nowhere.lines == [
        "deployq: the broker has no exchange nowhere-at-all.commands: is DEPLOYQ_NAMESPACE "
        "right, and has a worker started on it?"
    ]
    away = await deployq(
        settings, "call", "system.ping", DEPLOYQ_AMQP_URL="amqp://guest:s3cret@127.0.0.1:1/"
    )
    assert away.code == 3
    assert len(away.lines) == 1, away.err
    assert away.lines[0].startswith("deployq: cannot reach the broker at amqp://127.0.0.1:1/")
    assert "s3cret" not in away.err


async def test_a_timeout_shows_the_message_id_to_retry_with(settings: Settings, wire: Wire) -> None:
    """On a namespace with its queue but no worker, the command waits there: the user is told
    its id, and sending again with it is the idempotent retry."""
    from deployq.consumers.topology import Topology, declare

    namespace = f"{settings.namespace}-idle-{uuid.uuid4().hex[:6]}"
    try:
        await declare(wire.channel, Topology(namespace))
        late = await deployq(
            settings, "call", "flow.create", "name=later", "--timeout", "0.5",
            DEPLOYQ_NAMESPACE=namespace,
        )  # fmt: skip
        assert late.code == 5, late
        assert len(late.lines) == 1
        message_id = late.err.split("(message_id ")[1].split(")")[0]
        assert f"--message-id {message_id}" in late.err
        assert "may still be queued" in late.err
        queue = await wire.channel.get_queue(f"{namespace}.commands", ensure=False)
        waiting = await queue.get(no_ack=False)
        assert waiting.message_id == message_id
        await waiting.nack(requeue=True)
    finally:
        await wire.delete_namespace(namespace)


async def test_migrate_with_the_database_away_is_one_line(settings: Settings) -> None:
    down = await deployq(
        settings, "migrate", DEPLOYQ_DATABASE_URL="postgresql://postgres:s3cret@127.0.0.1:1/x"
    )
    assert down.code == 6
    assert down.lines == [
        "deployq: cannot reach the database at postgresql+asyncpg://127.0.0.1:1/x: "
        "[Errno 111] Connect call failed ('127.0.0.1', 1)"
    ]


async def test_settings_that_would_pass_silently_are_refused(settings: Settings) -> None:
    missing = await deployq(settings, "call", "system.ping", "--settings", "/nonexistent.env")
    assert missing.code == 2
    assert missing.lines == ["deployq: settings file '/nonexistent.env' does not exist"]
    misspelt = await deployq(settings, "call", "system.ping", DEPLOYQ_NAMESPCE="x")
    assert misspelt.code == 2
    assert misspelt.lines == [
        "deployq: DEPLOYQ_NAMESPCE is not a deployq setting; did you mean DEPLOYQ_NAMESPACE?"
    ]


async def test_ctrl_c_while_waiting_shows_the_message_id(settings: Settings, wire: Wire) -> None:
    from deployq.consumers.topology import Topology, declare

    namespace = f"{settings.namespace}-int-{uuid.uuid4().hex[:6]}"
    try:
        await declare(wire.channel, Topology(namespace))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "deployq", "call", "system.ping", "--timeout", "60",
            env=environment(settings, DEPLOYQ_NAMESPACE=namespace),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

        async def queued() -> int:
            queue = await wire.channel.declare_queue(f"{namespace}.commands", passive=True)
            return queue.declaration_result.message_count or 0

        await wait_until(queued, timeout=30)  # sent: now waiting for the reply
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 130
        line = err.decode()
        assert line.startswith("deployq: interrupted before the reply (message_id ")
        assert "--message-id" in line
    finally:
        await wire.delete_namespace(namespace)
