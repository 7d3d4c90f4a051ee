"""One measured phase: a list of commands sent with K of them in flight, and what came back.

Every reply is checked (`ok: true` and header `status: ok`); anything else, or no reply within the
timeout, is counted as an error by code, so a phase always ends and says how it went.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.commands.client import Command, Driver
from benchmarks.commands.meter import CPU_GROUPS, CpuMeter, CpuUse


@dataclass(slots=True)
class Phase:
    """What one measured phase saw."""

    name: str
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_variant: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    results: list[Any] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    cpu: CpuUse | None = None
    new_sessions: int | None = None
    round_rates: list[float] = field(default_factory=list)

    @property
    def answered_ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.answered_ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, values: Sequence[float] | None = None) -> float:
        return percentile(self.latencies if values is None else values, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1] * 1000


async def run_phase(
    driver: Driver,
    name: str,
    exchange_name: str,
    commands: Sequence[Command],
    *,
    inflight: int,
    timeout: float,  # noqa: ASYNC109 - per command, see `Driver.call`
    guard: Callable[[], Awaitable[Any]] | None = None,
    meter: CpuMeter | None = None,
) -> Phase:
    """Send every command with `inflight` of them outstanding; `guard` ends the phase early
    (e.g. when the process under test exits)."""
    phase = Phase(
        name,
        sent=len(commands),
        results=[None] * len(commands),
        arrivals=[math.nan] * len(commands),
    )
    position = iter(range(len(commands)))

    async def lane() -> None:
        for index in position:
            command = commands[index]
            try:
                seconds, body, status, arrived = await driver.call(
                    exchange_name, command, timeout=timeout
                )
            except TimeoutError:
                phase.errors["timeout"] += 1
                continue
            if body.get("ok") is True and status == "ok":
                phase.latencies.append(seconds)
                phase.by_variant.setdefault(command.variant, []).append(seconds)
                phase.results[index] = body.get("result")
                phase.arrivals[index] = arrived
            else:
                code = (body.get("error") or {}).get("code") or f"status={status}"
                phase.errors[code] += 1

    sample = meter.start() if meter is not None else None
    sessions = await meter.sessions() if meter is not None else 0
    started = time.perf_counter()
    lanes = [asyncio.create_task(lane()) for _ in range(inflight)]
    watcher = asyncio.ensure_future(guard()) if guard is not None else None
    try:
        pending: set[asyncio.Future[Any]] = set(lanes)
        if watcher is not None:
            pending.add(watcher)
        while any(not lane.done() for lane in lanes):
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if watcher is not None and watcher in done:
                raise RuntimeError(f"{name}: the process under test exited during the phase")
            for task in done:
                task.result()
    finally:
        phase.seconds = time.perf_counter() - started
        if meter is not None and sample is not None:
            phase.cpu = meter.since(sample)
            with contextlib.suppress(Exception):
                phase.new_sessions = await meter.sessions() - sessions
        for task in [*lanes, *([watcher] if watcher is not None else [])]:
            task.cancel()
        await asyncio.gather(*lanes, *([watcher] if watcher else []), return_exceptions=True)
    return phase


def merge(name: str, parts: Sequence[Phase]) -> Phase:
    """One phase out of its rounds: counts and times add up, CPU is weighted by time."""
    whole = Phase(name)
    cpu = CpuUse()
    for part in parts:
        whole.sent += part.sent
        whole.seconds += part.seconds
        whole.latencies += part.latencies
        for variant, values in part.by_variant.items():
            whole.by_variant.setdefault(variant, []).extend(values)
        whole.errors.update(part.errors)
        whole.results += part.results
        whole.arrivals += part.arrivals
        whole.round_rates.append(part.rate)
        if part.new_sessions is not None:
            whole.new_sessions = (whole.new_sessions or 0) + part.new_sessions
        if part.cpu is not None:
            for group in CPU_GROUPS:
                share = getattr(part.cpu, group) * part.seconds
                setattr(cpu, group, getattr(cpu, group) + share)
    if whole.seconds:
        for group in CPU_GROUPS:
            setattr(cpu, group, getattr(cpu, group) / whole.seconds)
        whole.cpu = cpu
    return whole


def chunks(items: Sequence[Command], count: int) -> list[Sequence[Command]]:
    size = math.ceil(len(items) / count)
    return [items[i : i + size] for i in range(0, len(items), size)]
