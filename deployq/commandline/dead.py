"""`deployq dead-letters list | replay | purge` (CONTRACT §9): the typer wiring and the output;
the work is deployq/deadletters.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from deployq.commandline.failures import Exit, broker_failure, fail, missing_namespace
from deployq.settings import Settings

T = TypeVar("T")


def _run(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Connect, run `work(letters)`, and turn a broker failure into one line and an exit code."""
    from deployq.bootstrap import broker_of
    from deployq.consumers.topology import Topology
    from deployq.deadletters import DeadLetters

    async def main() -> T:
        broker = broker_of(settings, "deployq dead-letters")
        try:
            link = await broker.connect(attempts=1)
        except Exception as error:
            broker_failure(error, settings.amqp_url)
        async with link:
            letters = DeadLetters(link.connection, Topology(settings.namespace))
            try:
                return await work(letters)
            except Exception as error:
                if missing_namespace(error):
                    fail(
                        f"the broker has no queue {settings.namespace}.commands.dead: is "
                        "DEPLOYQ_NAMESPACE right, and has a worker started on it?",
                        Exit.NAMESPACE,
                    )
                broker_failure(error, settings.amqp_url)

    return asyncio.run(main())


def _chosen(message_ids: list[str] | None, every: bool) -> set[str] | None:
    """The ids asked for, or None for --all; one of the two is required."""
    if bool(message_ids) == every:
        fail("give --message-id ID (repeatable) or --all, not both", Exit.USAGE)
    return None if every else set(message_ids or ())


def _missing(asked: set[str] | None, found: set[str | None]) -> None:
    if asked and (left := sorted(asked - found)):
        fail(f"no dead letter with message_id {', '.join(left)}", Exit.REFUSED)


def list_letters(settings: Settings, limit: int | None) -> None:
    found = _run(settings, lambda letters: letters.peek(limit))
    for letter in found:
        typer.echo(letter.line())
    typer.echo(f"{len(found)} dead letter(s) in {settings.namespace}.commands.dead", err=True)


def replay(settings: Settings, message_ids: list[str] | None, every: bool) -> None:
    asked = _chosen(message_ids, every)
    done = _run(settings, lambda letters: letters.replay(asked))
    for letter in done:
        typer.echo(f"replayed {letter.routing_key} message_id={letter.message_id or '-'}")
    typer.echo(f"{len(done)} dead letter(s) replayed to {settings.namespace}.commands", err=True)
    _missing(asked, {letter.message_id for letter in done})


def purge(settings: Settings, message_ids: list[str] | None, every: bool) -> None:
    asked = _chosen(message_ids, every)
    dropped = _run(settings, lambda letters: letters.purge(asked))
    typer.echo(f"{dropped} dead letter(s) purged from {settings.namespace}.commands.dead")
    if asked and dropped < len(asked):
        fail(f"{len(asked) - dropped} of the message ids given were not found", Exit.REFUSED)
