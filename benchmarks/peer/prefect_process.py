"""Prefect's side as a child process: `prefect_side.py` run by Prefect's own python, one JSON
request per line on its stdin, one JSON answer per line on its stdout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from benchmarks.commands.processes import Child, spawn

SCRIPT = Path(__file__).with_name("prefect_side.py")
ROOT = Path(__file__).resolve().parents[2]


def default_python() -> str:
    """DEPLOYQ_BENCH_PREFECT_PYTHON, else the differential test's DEPLOYQ_TEST_PREFECT_PYTHON,
    else the `.prefect-venv` that `DEPLOYQ_TEST_WITH_PREFECT=1 scripts/test` makes."""
    for key in ("DEPLOYQ_BENCH_PREFECT_PYTHON", "DEPLOYQ_TEST_PREFECT_PYTHON"):
        if os.environ.get(key):
            return os.environ[key]
    return str(ROOT / ".prefect-venv" / "bin" / "python")


def environment(database_url: str, runs: int, home: Path) -> dict[str, str]:
    """Prefect's settings for the run: its own database and home, and the scheduler service
    asked for exactly `runs` runs per schedule (min = max), within 100 days."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DEPLOYQ_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_DATABASE_CONNECTION_URL=database_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS=str(runs),
        PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS=str(runs),
        PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME="PT1H",
        PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME="P100D",
    )
    return env


class PrefectProcess:
    def __init__(self, child: Child, ready: dict[str, Any]) -> None:
        self.child = child
        self.ready = ready

    @classmethod
    async def start(
        cls, python: str, database_url: str, runs: int, logdir: Path, limit: float = 300.0
    ) -> PrefectProcess:
        env = environment(database_url, runs, logdir / "prefect-home")
        child = await spawn("prefect", [python, str(SCRIPT)], env, logdir, stdin=True)
        process = cls(child, {})
        process.ready = await process.answer(limit)
        return process

    async def answer(self, limit: float) -> dict[str, Any]:
        stdout = self.child.process.stdout
        assert stdout is not None
        line = await asyncio.wait_for(stdout.readline(), limit)
        if not line:
            raise RuntimeError(f"Prefect's side exited:\n{self.child.tail()}")
        found: dict[str, Any] = orjson.loads(line)
        return found

    async def ask(self, limit: float = 1800.0, **request: Any) -> dict[str, Any]:
        stdin = self.child.process.stdin
        assert stdin is not None
        stdin.write(orjson.dumps(request) + b"\n")
        await stdin.drain()
        return await self.answer(limit)

    async def stop(self) -> None:
        stdin = self.child.process.stdin
        if stdin is not None and self.child.process.returncode is None:
            with contextlib.suppress(Exception):
                stdin.write(b'{"op": "quit"}\n')
                await stdin.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.child.process.wait(), 30)
        code = await self.child.stop()
        if code not in (0, None):
            print(f"  Prefect's side exited with {code}:\n{self.child.tail()}", file=sys.stderr)
