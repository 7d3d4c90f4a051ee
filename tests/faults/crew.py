"""deployq child processes of one kind (workers, or schedulers) that a test kills and starts again,
every log kept, the killed processes' too, for the failure message."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from deployq.settings import Settings
from tests.workers import Process, environment

# Logged once a process does its work: a worker consumes, a scheduler has run a pass.
READY = {"worker": "consuming", "scheduler": "main pass"}


class Crew:
    def __init__(self, command: str, settings: Settings, size: int, **extra_env: str) -> None:
        self.command = command
        self.settings = settings
        self.size = size
        self.extra_env = extra_env
        self.members: list[Process | None] = [None] * size
        self.started: list[tuple[str, Process]] = []  # every process, its label, for the logs
        self.kills = 0

    async def start(self, index: int) -> Process:
        """Start member `index`; return once it logs that it works."""
        process = self.members[index] = await self.launch(f"{self.command} {index}")
        await process.logged(READY[self.command], timeout=60)
        return process

    async def launch(self, label: str) -> Process:
        """Start a process of this kind and return at once; its log is kept with the others',
        but it is the caller's to stop."""
        started = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "deployq", self.command,
            env=environment(self.settings, **self.extra_env),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        process = Process(started)
        self.started.append((f"{label}, start {len(self.started) + 1}", process))
        return process

    async def start_all(self) -> None:
        await asyncio.gather(*(self.start(i) for i in range(self.size)))

    async def kill(self, *indexes: int) -> None:
        """SIGKILL these members at once (all of them when none are named)."""
        chosen = [p for i in indexes or range(self.size) if (p := self.members[i]) is not None]
        for process in chosen:
            if process.process.returncode is None:
                process.process.send_signal(signal.SIGKILL)
                self.kills += 1
        for process in chosen:
            await process.close()
        for index in indexes or range(self.size):
            self.members[index] = None

    async def restart(self, *indexes: int) -> None:
        """Kill these members at once, then start them again."""
        await self.kill(*indexes)
        await asyncio.gather(*(self.start(i) for i in indexes or range(self.size)))

    async def close(self) -> None:
        for index, process in enumerate(self.members):
            if process is not None:
                await process.close()
                self.members[index] = None

    def logs(self) -> list[str]:
        return [process.log for _, process in self.started]

    def count(self, pattern: str) -> int:
        """Lines matching `pattern` across every log, the killed members' included."""
        found = re.compile(pattern)
        return sum(1 for log in self.logs() for line in log.splitlines() if found.search(line))

    def tail(self, lines: int = 30) -> str:
        """The end of each member's log, for a failure message."""
        return "\n".join(
            f"--- {label} ---\n" + "\n".join(process.log.splitlines()[-lines:])
            for label, process in self.started
        )


@asynccontextmanager
async def crew(
    command: str, settings: Settings, size: int, **extra_env: str
) -> AsyncIterator[Crew]:
    """`size` members of `command`, all started; every one still running is killed on exit."""
    made = Crew(command, settings, size, **extra_env)
    try:
        await made.start_all()
        yield made
    finally:
        await made.close()
