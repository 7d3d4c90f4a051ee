"""`deployq call`: send one command and print its reply, every failure one line and an exit code
(commandline/failures.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import typer

from deployq.bootstrap import tls_of
from deployq.client import Client
from deployq.commandline import bodies
from deployq.commandline.failures import Exit, broker_failure, fail, missing_namespace
from deployq.errors import DeployqError
from deployq.settings import Settings


def call(
    settings: Settings,
    command: str,
    arguments: Sequence[str],
    *,
    message_id: str | None,
    timeout: float,
    local_check: bool,
) -> None:
    """Send `command`, print the reply on stdout; exit as `Exit` says."""
    try:
        body = bodies.body_of(arguments)
    except bodies.BadArguments as error:
        fail(str(error), Exit.USAGE)
    message_id = message_id or uuid.uuid4().hex
    if local_check:
        try:
            bodies.check(
                command,
                body,
                message_id=message_id,
                body_limit=settings.body_limit,
                json_max_depth=settings.json_max_depth,
            )
        except DeployqError as error:
            refusal = bodies.error_reply(error)
            _print(refusal)
            fail(f"not sent: {bodies.described(refusal['error'])}", Exit.USAGE)
    try:
        reply = asyncio.run(_send(settings, command, body, message_id, timeout))
    except KeyboardInterrupt:
        fail(
            f"interrupted before the reply (message_id {message_id}): the command may still "
            f"run; send it again with --message-id {message_id} to retry without running it "
            "twice",
            Exit.INTERRUPTED,
        )
    _print(reply)
    if not reply.get("ok"):
        refused = reply.get("error") or {}
        fail(f"{command} refused: {bodies.described(refused)}", Exit.REFUSED)


def _print(body: object) -> None:
    typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())


async def _send(
    settings: Settings, command: str, body: bytes, message_id: str, wait: float
) -> dict[str, Any]:
    try:
        client = await Client.connect(settings.amqp_url, settings.namespace, tls=tls_of(settings))
    except Exception as error:
        broker_failure(error, settings.amqp_url)
    async with client:
        try:
            reply = await client.call(command, body, message_id=message_id, timeout=wait)
        except TimeoutError:
            fail(
                f"no reply to {command} within {wait:g}s (message_id {message_id}). The "
                "command may still be queued and will run when a worker takes it; to retry "
                f"without running it twice, send it again with --message-id {message_id}",
                Exit.TIMEOUT,
            )
        except Exception as error:
            if missing_namespace(error):
                fail(
                    f"the broker has no exchange {settings.namespace}.commands: is "
                    "DEPLOYQ_NAMESPACE right, and has a worker started on it?",
                    Exit.NAMESPACE,
                )
            broker_failure(error, settings.amqp_url)
    return dict(reply.body)
