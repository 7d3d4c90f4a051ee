"""The measured part: `--rounds` rounds, each a chunk of every phase, one after the other.

Per round: the ceiling, two ceilings, `deployment.create` without a schedule, the same through
two workers, `deployment.create` with one interval schedule, `deployment.update` of deployments
this round created, `deployment.read` of them, and `deployment.create` with a subscriber bound to
the events. Alternating them keeps a burst of other work on the host from landing on one phase
only, and makes each round one repetition of every ratio: both sides of it ran minutes apart at
most, under the same conditions.

The second worker (or ceiling) is started for its phase and stopped after it: warmed up by
`--warmup` commands through both, then measured, at the same K in flight and prefetch.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from benchmarks.commands.client import Command, Driver
from benchmarks.commands.events import subscribed
from benchmarks.commands.load import Phase, chunks, run_phase
from benchmarks.commands.messages import creates, reads, updates
from benchmarks.commands.meter import CpuMeter
from benchmarks.commands.processes import Child
from benchmarks.commands.report import Report


class Runner:
    """Runs chunks of commands against the process (or processes) under test, measuring each."""

    def __init__(
        self, driver: Driver, exchange: str, args: argparse.Namespace, child: Child, meter: CpuMeter
    ) -> None:
        self.driver = driver
        self.exchange = exchange
        self.args = args
        self.child = child
        self.meter = meter

    def beside(self, second: Child) -> Runner:
        """The same, with a second process consuming beside the first (CPU counted for both)."""
        pids = (*self.meter.under_test, second.pid)
        meter = CpuMeter(pids, self.meter.database, self.meter.admin_url)
        return Runner(self.driver, self.exchange, self.args, self.child, meter)

    async def __call__(self, name: str, commands: Sequence[Command]) -> Phase:
        print(f"    {name}: {len(commands)} commands", file=sys.stderr, flush=True)
        return await run_phase(
            self.driver,
            name,
            self.exchange,
            commands,
            inflight=self.args.inflight,
            timeout=self.args.timeout,
            guard=self.child.process.wait,
            meter=self.meter,
        )


@dataclass(slots=True)
class Side:
    """One side of the ratios: its runner, and how to start a second process of its kind."""

    runner: Runner
    start_second: Callable[[str], Awaitable[Child]]

    async def doubled(
        self, name: str, warmup: Sequence[Command], commands: Sequence[Command]
    ) -> Phase:
        second = await self.start_second(name.replace(" ", "-"))
        try:
            runner = self.runner.beside(second)
            await runner(f"{name} warm-up", warmup)
            return await runner(name, commands)
        finally:
            code = await second.stop()
            if code not in (0, None):
                print(f"  {second.name} exited with {code}:\n{second.tail()}", file=sys.stderr)


def ids_of(phase: Phase) -> list[str]:
    return [str(r["id"]) for r in phase.results if r is not None]


async def rounds(
    args: argparse.Namespace,
    deployq: Side,
    base: Side | None,
    *,
    flow_id: str,
    namespace: str,
    report: Report,
) -> None:
    n, count, warm = args.commands, args.rounds, args.warmup
    plan = zip(
        chunks(creates(flow_id, "ceiling", n), count),
        chunks(creates(flow_id, "ceiling-x2", n), count),
        chunks(creates(flow_id, "plain", n), count),
        chunks(creates(flow_id, "x2", n), count),
        chunks(creates(flow_id, "scheduled", n, scheduled=True), count),
        chunks(creates(flow_id, "subscribed", n), count),
        strict=True,
    )
    keep = report.keep
    for number, (ceiling, ceiling2, plain, plain2, scheduled, watched) in enumerate(plan, 1):
        print(f"  round {number}/{count}", file=sys.stderr)
        if base is not None:
            keep(await base.runner("ceiling", ceiling))
            if args.scaling:
                warmup = creates(flow_id, f"ceiling-x2-warm-{number}", warm)
                keep(await base.doubled("ceiling x2", warmup, ceiling2))
        created = keep(await deployq.runner("create", plain))
        if args.scaling:
            warmup = creates(flow_id, f"x2-warm-{number}", warm)
            keep(await deployq.doubled("create x2", warmup, plain2))
        with_schedule = keep(await deployq.runner("create scheduled", scheduled))
        ids = ids_of(created) + ids_of(with_schedule)
        random.Random(number).shuffle(ids)
        keep(await deployq.runner("update", updates(ids[: len(plain)], number * len(ids))))
        random.Random(-number).shuffle(ids)
        keep(await deployq.runner("read", reads(ids[: len(plain)])))
        if args.events:
            async with subscribed(deployq.runner.driver.connection, namespace) as subscriber:
                phase = keep(await deployq.runner("create subscribed", watched))
                report.event_latencies.append(await subscriber.latencies(phase))
