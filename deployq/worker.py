"""`deployq worker`: consume commands until told to stop, then drain and exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from deployq.bootstrap import Deps
from deployq.consumers.commands import CommandConsumer
from deployq.retry import is_transient

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 300.0


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
    """Consume until `stop`, then drain (the sidecars run around this, applied by the CLI)."""
    settings = deps.settings
    consume_channel = await deps.broker.channel()
    publish_channel = await deps.broker.channel(publisher_confirms=True)
    consumer = CommandConsumer(
        db=deps.db,
        consume_channel=consume_channel,
        publish_channel=publish_channel,
        topology=deps.topology,
        clock=deps.clock,
        metrics=deps.metrics,
        body_limit=settings.body_limit,
        prefetch=settings.prefetch,
    )
    await consumer.start()
    pruner = asyncio.create_task(prune_inbox(deps, stop), name="prune-inbox")
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        log.info("stopping: no new commands; finishing those in hand")
        await consumer.stop(settings.shutdown_grace_seconds)
        await pruner
    await publish_channel.close()
    await consume_channel.close()
    log.info("stopped")
