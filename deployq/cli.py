"""The `deployq` command: migrate, worker, scheduler, call."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from deployq.commandline.failures import Exit, fail
from deployq.settings import Settings, SettingsProblem

if TYPE_CHECKING:
    from deployq.bootstrap import Deps

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="deployq: deployments, schedules and flow runs over RabbitMQ.",
)

SettingsFile = Annotated[
    Path | None, typer.Option("--settings", help="A .env-style settings file (DEPLOYQ_* keys).")
]


def _settings(path: Path | None, *, quiet: bool = False) -> Settings:
    """The settings, or one line saying what is wrong with them (exit 2). A one-shot command
    (`quiet`) logs only errors: what it has to say, it prints."""
    from pydantic import ValidationError

    from deployq import logs

    try:
        settings = Settings.load(path)
    except SettingsProblem as error:
        fail(str(error), Exit.USAGE)
    except ValidationError as error:
        from deployq.consumers.codec import error_message

        problems = "; ".join(
            f"DEPLOYQ_{'_'.join(str(p) for p in e['loc']).upper()}: {error_message(e)}"
            for e in error.errors(include_url=False)
        )
        fail(f"invalid settings: {problems}", Exit.USAGE)
    logs.configure("ERROR" if quiet else settings.log_level, settings.log_format)
    return settings


def _migrate(settings: Settings) -> None:
    """Apply the schema, or say in one line why the database could not be reached (exit 6)."""
    from deployq.commandline.failures import database_failure, unreachable_database
    from deployq.storage.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except Exception as error:
        if unreachable_database(error):
            database_failure(error, settings.database_url)
        raise


def _run(coro: object) -> None:
    # Everything imported so far lives as long as the process: keep it out of the collector's
    # way, and collect young objects less often (a command allocates many short-lived ones).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop
        asyncio.run(coro)  # type: ignore[arg-type]
    else:
        uvloop.run(coro)  # type: ignore[arg-type]


def _stop_on_signals(stop: asyncio.Event) -> None:
    """The first SIGTERM/SIGINT stops the process gracefully (every wait watches `stop`); a
    second one, while it is still finishing, ends it at once."""
    loop = asyncio.get_running_loop()

    def received(sig: signal.Signals) -> None:
        if stop.is_set():
            logging.getLogger("deployq").warning("%s again: exiting now", sig.name)
            os._exit(128 + sig.value)
        logging.getLogger("deployq").info("%s: stopping", sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, received, sig)


@app.command()
def migrate(settings_file: SettingsFile = None) -> None:
    """Apply the schema (idempotent; safe to run from several processes at once)."""
    _migrate(_settings(settings_file))
    typer.echo("schema is up to date")


Migrate = Annotated[bool, typer.Option("--migrate", help="Apply the schema first.")]
Service = Callable[["Deps", asyncio.Event], Awaitable[None]]


def _serve(settings_file: Path | None, migrate_first: bool, service: Service) -> None:
    """Run `service` until SIGTERM/SIGINT, with the process's dependencies built once and the
    sidecars (outbox relay, health and metrics) around it."""
    from deployq.bootstrap import lifespan
    from deployq.sidecars import sidecars

    settings = _settings(settings_file)
    if migrate_first:
        _migrate(settings)

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        async with lifespan(settings) as deps, sidecars(deps):
            await service(deps, stop)

    _run(main())


@app.command()
def worker(settings_file: SettingsFile = None, migrate_first: Migrate = False) -> None:
    """Consume commands until SIGTERM, then finish those in hand and exit."""
    from deployq import worker as service

    _serve(settings_file, migrate_first, service.serve)


@app.command()
def scheduler(settings_file: SettingsFile = None, migrate_first: Migrate = False) -> None:
    """Keep scheduled runs materialised (and relay events) until SIGTERM."""
    from deployq import scheduler as service

    _serve(settings_file, migrate_first, service.serve)


@app.command()
def run(settings_file: SettingsFile = None, migrate_first: Migrate = False) -> None:
    """The whole service in one process: a worker and a scheduler, until SIGTERM."""
    from deployq import scheduler, worker

    async def both(deps: Deps, stop: asyncio.Event) -> None:
        await asyncio.gather(worker.serve(deps, stop), scheduler.serve(deps, stop))

    _serve(settings_file, migrate_first, both)


class _CallCommand(typer.core.TyperCommand):
    """`call --help` ends with the list of commands, read only when help is asked for."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from deployq.commandline.bodies import command_list

        self.epilog = command_list()
        super().format_help(ctx, formatter)


@app.command(cls=_CallCommand)
def call(
    command: Annotated[str, typer.Argument(help="Command name, e.g. deployment.read")],
    body: Annotated[
        list[str] | None,
        typer.Argument(
            help="A JSON object, or key=value (string) and key:=json (any JSON) pairs",
            show_default=False,
        ),
    ] = None,
    *,
    message_id: Annotated[
        str | None, typer.Option(help="Idempotency key (default: new; shown on a timeout)")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the reply")] = 30.0,
    check: Annotated[
        bool, typer.Option(help="Check the body as the worker would before sending")
    ] = True,
    settings_file: SettingsFile = None,
) -> None:
    """Send one command and print its reply. Exit codes: 0 ok, 1 error reply, 2 refused
    before sending, 3 broker unreachable, 4 namespace not found, 5 no reply in time."""
    from deployq.commandline.calls import call as send

    settings = _settings(settings_file, quiet=True)
    send(settings, command, body or [], message_id=message_id, timeout=timeout, local_check=check)


Limit = Annotated[int | None, typer.Option(min=1, help="Show at most this many")]
dead_letters = typer.Typer(
    no_args_is_help=True,
    help="Inspect, re-publish or drop the messages in <namespace>.commands.dead.",
)
app.add_typer(dead_letters, name="dead-letters")
Ids = Annotated[
    list[str] | None,
    typer.Option(
        "--message-id", help="A dead letter's message_id (repeatable)", show_default=False
    ),
]
Every = Annotated[bool, typer.Option("--all", help="Every dead letter")]


@dead_letters.command("list")
def list_dead_letters(limit: Limit = None, settings_file: SettingsFile = None) -> None:
    """One line per dead letter (time, command, message_id, code: reason); none is removed."""
    from deployq.commandline import dead

    dead.list_letters(_settings(settings_file, quiet=True), limit)


@dead_letters.command("replay")
def replay_dead_letters(
    message_id: Ids = None, every: Every = False, settings_file: SettingsFile = None
) -> None:
    """Re-publish to <namespace>.commands as first sent; each letter is removed once the broker
    confirmed its copy."""
    from deployq.commandline import dead

    dead.replay(_settings(settings_file, quiet=True), message_id, every)


@dead_letters.command("purge")
def purge_dead_letters(
    message_id: Ids = None, every: Every = False, settings_file: SettingsFile = None
) -> None:
    """Drop dead letters for good."""
    from deployq.commandline import dead

    dead.purge(_settings(settings_file, quiet=True), message_id, every)


@app.command()
def asyncapi(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/asyncapi.yaml"),
    check: Annotated[bool, typer.Option(help="Only check it is up to date (exit 1).")] = False,
) -> None:
    """Write the AsyncAPI 3.0 document of every command, reply, event and the dead letters."""
    from deployq.commandline.documents import asyncapi_file

    asyncapi_file(output, check=check)


def main() -> None:
    app()
