"""`deployq scheduler`: keep every active schedule's future runs materialised (R70–R76).

Two loops run passes (deployq/scheduling/passes.py): the main loop every LOOP_SECONDS, the
recent loop every RECENT_LOOP_SECONDS; the CLI runs the sidecars (outbox relay, health) around
them. Any number of scheduler processes can run: they split the pages between them, what one
skips (a locked row) a later pass picks up, and inserts conflict on the idempotency key, so
nothing is created twice (R74).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from deployq.bootstrap import Deps
from deployq.retry import is_transient
from deployq.scheduling.passes import PassResult, main_pass, recent_pass

log = logging.getLogger(__name__)

Pass = Callable[..., Awaitable[PassResult]]


async def _loop(deps: Deps, name: str, every: float, one_pass: Pass, stop: asyncio.Event) -> None:
    """Run `one_pass` every `every` seconds (from start to start) until `stop`."""
    settings = deps.settings.scheduler
    while not stop.is_set():
        began = time.monotonic()
        try:
            result = await one_pass(deps.db, settings, deps.clock, stop=stop)
        except Exception as error:
            if is_transient(error):
                log.warning("%s pass interrupted: %s", name, error)
            else:
                log.exception("%s pass failed", name)
        else:
            deps.metrics.runs_created.inc(result.created)
            level = logging.INFO if result.created or name == "main" else logging.DEBUG
            log.log(
                level,
                "%s pass: %d run(s) created for %d deployment(s) in %.3fs",
                name,
                result.created,
                result.selected,
                time.monotonic() - began,
            )
        remaining = every - (time.monotonic() - began)
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), remaining)


async def serve(deps: Deps, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Both loops until `stop`; a pass in hand finishes its page first."""
    settings = deps.settings.scheduler
    loops = [
        asyncio.create_task(
            _loop(deps, "main", settings.loop_seconds, main_pass, stop), name="main-loop"
        ),
        asyncio.create_task(
            _loop(deps, "recent", settings.recent_loop_seconds, recent_pass, stop),
            name="recent-loop",
        ),
    ]
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing the page in hand")
        stop.set()
        await asyncio.gather(*loops)
    log.info("stopped")
