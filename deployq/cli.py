"""The `deployq` command: migrate, worker, scheduler, call."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from deployq.settings import Settings

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


def _settings(path: Path | None) -> Settings:
    settings = Settings.from_file(path) if path else Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    return settings


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
    from deployq.storage.migrate import upgrade

    settings = _settings(settings_file)
    upgrade(settings.database_url)
    typer.echo("schema is up to date")


Migrate = Annotated[bool, typer.Option("--migrate", help="Apply the schema first.")]
Service = Callable[["Deps", asyncio.Event], Awaitable[None]]


def _serve(settings_file: Path | None, migrate_first: bool, service: Service) -> None:
    """Run `service` until SIGTERM/SIGINT, with the process's dependencies built once and the
    sidecars (outbox relay, health and metrics) around it."""
    from deployq.bootstrap import lifespan
    from deployq.sidecars import sidecars

    settings = _settings(settings_file)
    if migrate_first:  # imported only here: the migration tooling is big and rarely needed
        from deployq.storage.migrate import upgrade

        upgrade(settings.database_url)

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


@app.command()
def call(
    command: Annotated[str, typer.Argument(help="Command name, e.g. deployment.read")],
    body: Annotated[str, typer.Argument(help="JSON object")] = "{}",
    message_id: Annotated[str | None, typer.Option(help="Idempotency key (default: new)")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the reply")] = 30.0,
    settings_file: SettingsFile = None,
) -> None:
    """Send one command, print its reply, exit 1 on an error reply."""
    from deployq.client import Client

    settings = _settings(settings_file)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        typer.echo(f"body is not JSON: {error}", err=True)
        raise typer.Exit(2) from None

    async def main() -> bool:
        async with await Client.connect(settings.amqp_url, settings.namespace) as client:
            reply = await client.call(command, payload, message_id=message_id, timeout=timeout)
        typer.echo(orjson.dumps(reply.body, option=orjson.OPT_INDENT_2).decode())
        return reply.ok

    ok = asyncio.run(main())
    if not ok:
        raise typer.Exit(1)


@app.command()
def asyncapi(
    output: Annotated[Path, typer.Option(help="Where to write it.")] = Path("docs/asyncapi.yaml"),
    check: Annotated[bool, typer.Option(help="Only check it is up to date (exit 1).")] = False,
) -> None:
    """Write the AsyncAPI 3.0 document of every command, reply, event and the dead letters."""
    from deployq.consumers.asyncapi import render

    text = render()
    if check:
        if not output.exists() or output.read_text() != text:
            typer.echo(f"{output} is out of date: run `deployq asyncapi`", err=True)
            raise typer.Exit(1)
        return
    output.write_text(text)
    typer.echo(f"wrote {output}")


def main() -> None:
    app()
