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
    done: list[tuple[str, float | None]] = field(default_factory=list)  # fault, when it was over

    async def inject(self, name: str) -> None:
        faults: dict[str, Callable[[], Awaitable[bool]]] = {
            "worker killed": self.kill_worker,
            "broker restarted": self.restart_broker,
            "broker killed": self.kill_broker,
            "postgres restarted": self.restart_postgres,
            "both workers killed": self.kill_both,
        }
        cuts_a_service = await faults[name]()
        self.done.append((name, time.monotonic() if cuts_a_service else None))

    async def kill_worker(self) -> bool:
        await self.workers.restart(0)
        return False

    async def kill_both(self) -> bool:
        await self.workers.restart()
        return False

    async def restart_broker(self) -> bool:
        await asyncio.to_thread(self.rabbit.stop_app)
        # Pacing, not synchronisation: the outage lasts a while, as a real one would.
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(self.rabbit.start_app)
        return True

    async def kill_broker(self) -> bool:
        await asyncio.to_thread(self.rabbit.restart)
        return True

    async def restart_postgres(self) -> bool:
        await asyncio.to_thread(self.postgres.restart)
        return True

    def describe(self) -> str:
        """Each fault in turn, with the time to the first reply after it where it cut a service."""
        parts = []
        for name, back in self.done:
            if back is None:
                parts.append(name)
                continue
            first = self.caller.first_reply_after(back)
            recovered = "never" if first is None else f"in {first - back:.1f} s"
            parts.append(f"{name} (recovered {recovered})")
        return ", ".join(parts) or "none"
