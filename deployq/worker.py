"""`deployq worker`: consume commands until told to stop, then drain and exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from deployq.bootstrap import Deps
from deployq.broker import Link, Stopped
from deployq.consumers.commands import CommandConsumer
from deployq.handlers.bounds import Bounds
from deployq.retry import is_transient, pause

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 300.0
CONSUMING = "commands"


async def prune_inbox(deps: Deps, stop: asyncio.Event) -> None:
    """Forget message ids older than the retention (CONTRACT §6: at least 24 hours)."""
    while not stop.is_set():
        try:
            cutoff = deps.clock() - deps.settings.inbox_retention
            removed = 1
            while removed and not stop.is_set():
                async with deps.db.transaction() as uow:
                    removed = await uow.inbox.prune(cutoff)
                    await uow.commit()
                if removed:
                    log.info("forgot %d message id(s) handled before %s", removed, cutoff)
        except Exception as error:
            if not is_transient(error):
                log.exception("pruning the inbox failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_EVERY_SECONDS)


async def serve(deps: Deps, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Consume until `stop`, then drain (the sidecars run around this, applied by the CLI).

    Each broker connection gets a consumer of its own; when the connection is lost the worker
    connects again (with backoff, to any address) and starts a new consumer, while the commands
    the old one had in hand finish their database work.
    """
    settings = deps.settings
    broker = deps.broker.named(f"deployq worker ({settings.namespace})")
    deps.readiness.need(CONSUMING)
    pruner = asyncio.create_task(prune_inbox(deps, stop), name="prune-inbox")
    consumers: list[CommandConsumer] = []
    try:
        while not stop.is_set():
            try:
                link = await broker.connect(stop)
            except Stopped:
                break
            async with link:
                consumer = CommandConsumer(
                    db=deps.db,
                    connection=link.connection,
                    topology=deps.topology,
                    clock=deps.clock,
                    metrics=deps.metrics,
                    body_limit=settings.body_limit,
                    json_max_depth=settings.json_max_depth,
                    prefetch=settings.prefetch,
                    bounds=Bounds(backfill_max_runs=settings.backfill_max_runs),
                )
                consumers.append(consumer)
                if not await _consume(consumer, link, stop, deps, ready):
                    await pause(stop, broker.backoff.next())
    finally:
        deps.readiness.down(CONSUMING)
        log.info("stopping: no new commands; finishing those in hand")
        await asyncio.gather(*(c.stop(settings.shutdown_grace_seconds) for c in consumers))
        await pruner
    log.info("stopped")


async def _consume(
    consumer: CommandConsumer,
    link: Link,
    stop: asyncio.Event,
    deps: Deps,
    ready: asyncio.Event | None,
) -> bool:
    """Consume on `link` until it is lost or `stop`; False if consuming could not start."""
    try:
        await consumer.start()
    except Exception as error:
        log.warning("could not start consuming on %s: %r", link.address, error)
        return False
    deps.readiness.up(CONSUMING)
    if ready is not None:
        ready.set()
    lost = await link.wait(stop)
    deps.readiness.down(CONSUMING)
    if lost:
        log.warning("lost the broker at %s; reconnecting", link.address)
        consumer.stopping.set()
    else:
        await consumer.stop(deps.settings.shutdown_grace_seconds)
    return True
