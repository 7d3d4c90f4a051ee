"""The faults a load test injects, by name, each timed: workers SIGKILLed and started again, the
broker stopped and started (or killed), PostgreSQL restarted. After a fault that cut the broker
or the database, the time from the command that brings it back (`start_app`, the node's boot,
`pg_ctl restart`) to the first reply is how long deployq took to recover."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tests.faults.caller import Caller
from tests.faults.crew import Crew
from tests.faults.instances import PostgresCluster, RabbitNode
from tests.support import wait_until

OUTAGE_SECONDS = 2.0  # how long the broker stays stopped
SIGTERM_SECONDS = 10.0  # how long a process waiting for the broker may take to obey SIGTERM


@dataclass
class Breakage:
    rabbit: RabbitNode
    postgres: PostgresCluster
    workers: Crew
    caller: Caller
    # Each fault, and when its service began to come back (None: it cut no service).
    done: list[tuple[str, float | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    async def inject(self, name: str) -> None:
        faults: dict[str, Callable[[], Awaitable[float | None]]] = {
            "worker killed": self.kill_worker,
            "broker restarted": self.restart_broker,
            "broker restarted, a waiting worker stopped": self.stop_waiting_worker,
            "broker killed": self.kill_broker,
            "postgres restarted": self.restart_postgres,
            "both workers killed": self.kill_both,
        }
        self.done.append((name, await faults[name]()))

    async def kill_worker(self) -> None:
        await self.workers.restart(0)

    async def kill_both(self) -> None:
        await self.workers.restart()

    async def restart_broker(self) -> float:
        await asyncio.to_thread(self.rabbit.stop_app)
        # Pacing, not synchronisation: the outage lasts a while, as a real one would.
        await asyncio.sleep(OUTAGE_SECONDS)
        return await self._back(self.rabbit.start_app)

    async def stop_waiting_worker(self) -> float:
        """While the broker is stopped, start a worker and SIGTERM it once it waits for the
        broker: it must end promptly, not wait on."""
        await asyncio.to_thread(self.rabbit.stop_app)
        late = await self.workers.launch("worker started during the outage")
        try:

            async def waiting() -> bool:
                assert late.process.returncode is None, late.log
                return "broker" in late.log.lower()

            await wait_until(waiting, timeout=30)
            asked = time.monotonic()
            late.process.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.wait_for(late.process.wait(), SIGTERM_SECONDS)
            except TimeoutError:
                self.problems.append(
                    f"a worker waiting for the broker ignored SIGTERM for {SIGTERM_SECONDS:.0f} s"
                )
                self.notes.append("SIGTERM while waiting for the broker: ignored")
            else:
                took = time.monotonic() - asked
                self.notes.append(
                    f"SIGTERM while waiting for the broker: exit {code} in {took:.1f} s"
                )
        finally:
            await late.close()
        return await self._back(self.rabbit.start_app)

    async def kill_broker(self) -> float:
        await asyncio.to_thread(self.rabbit.kill)
        return await self._back(self.rabbit.start)

    async def restart_postgres(self) -> float:
        return await self._back(self.postgres.restart)

    @staticmethod
    async def _back(bring_back: Callable[[], None]) -> float:
        """Run the command that brings a service back; when it was given."""
        began = time.monotonic()
        await asyncio.to_thread(bring_back)
        return began

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
        return ", ".join(parts + self.notes) or "none"
