"""The faults a load test injects, by name, each timed: workers SIGKILLed and started again, the
broker stopped and started (or killed), PostgreSQL restarted. After a fault that cut the broker
or the database, the time until the first reply is how long deployq took to recover."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tests.faults.caller import Caller
from tests.faults.crew import Crew
from tests.faults.instances import PostgresCluster, RabbitNode

OUTAGE_SECONDS = 2.0  # how long the broker stays stopped


@dataclass
class Breakage:
    rabbit: RabbitNode
    postgres: PostgresCluster
    workers: Crew
    caller: Caller
    done: list[str] = field(default_factory=list)
    back_at: dict[str, float] = field(default_factory=dict)  # fault → when it was over

    def fault(self, name: str) -> Callable[[], Awaitable[None]]:
        faults: dict[str, Callable[[], Awaitable[None]]] = {
            "worker killed": self.kill_worker,
            "broker restarted": self.restart_broker,
            "broker killed": self.kill_broker,
            "postgres restarted": self.restart_postgres,
            "both workers killed": self.kill_both,
        }
        return faults[name]

    async def inject(self, name: str) -> None:
        await self.fault(name)()
        self.done.append(name)

    async def kill_worker(self) -> None:
        await self.workers.restart(0)

    async def kill_both(self) -> None:
        await self.workers.restart()

    async def restart_broker(self) -> None:
        await asyncio.to_thread(self.rabbit.stop_app)
        # Pacing, not synchronisation: the outage lasts a while, as a real one would.
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(self.rabbit.start_app)
        self.back_at["broker restarted"] = time.monotonic()

    async def kill_broker(self) -> None:
        await asyncio.to_thread(self.rabbit.restart)
        self.back_at["broker killed"] = time.monotonic()

    async def restart_postgres(self) -> None:
        await asyncio.to_thread(self.postgres.restart)
        self.back_at["postgres restarted"] = time.monotonic()

    def recoveries(self) -> dict[str, float | None]:
        """Fault → seconds from its end to the first reply after it (None: no reply came)."""
        found: dict[str, float | None] = {}
        for name, back in self.back_at.items():
            first = self.caller.first_reply_after(back)
            found[name] = None if first is None else first - back
        return found

    def describe(self) -> str:
        recoveries = self.recoveries()
        parts = []
        for name in self.done:
            if name in recoveries:
                took = recoveries[name]
                recovered = "never" if took is None else f"in {took:.1f} s"
                parts.append(f"{name} (recovered {recovered})")
            else:
                parts.append(name)
        return ", ".join(parts) or "none"
