"""What a phase cost, read from /proc and pg_stat_database (Linux, PostgreSQL 14+).

On a shared two-core machine throughput alone says little: the CPU of each process group during
a phase shows whether the run was disturbed (`others`), and the process under test's own CPU time
per command barely depends on what else runs.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")
CPU_GROUPS = ("under_test", "driver", "rabbitmq", "postgres", "others")

Sample = tuple[float, int, dict[int, tuple[str, int]]]


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (MiB)."""
    figures: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0]) / 1024
    return figures


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _host_busy() -> int:
    """Busy ticks of every core (user, nice, system, irq, softirq, steal) from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values[i] for i in (0, 1, 2, 5, 6, 7) if i < len(values))


@dataclass(slots=True)
class CpuUse:
    """Cores used during a phase: by the process under test, the load generator, the broker,
    PostgreSQL (this run's backends and its shared processes) and everything else on the host
    (other test runs on a shared machine show up there)."""

    under_test: float = 0.0
    driver: float = 0.0
    rabbitmq: float = 0.0
    postgres: float = 0.0
    others: float = 0.0


class CpuMeter:
    """CPU by process group during a phase, and the PostgreSQL sessions opened meanwhile
    (a pool that keeps opening and closing connections shows up there)."""

    def __init__(self, under_test: int | Sequence[int], database: str, admin_url: str) -> None:
        self.under_test = (under_test,) if isinstance(under_test, int) else tuple(under_test)
        self.database = database
        self.admin_url = admin_url

    async def sessions(self) -> int:
        """Sessions ever established to the bench database (pg_stat_database, PostgreSQL 14+)."""
        connection = await asyncpg.connect(self.admin_url)
        try:
            query = "SELECT coalesce(sessions, 0) FROM pg_stat_database WHERE datname = $1"
            return int(await connection.fetchval(query, self.database) or 0)
        finally:
            await connection.close()

    def _sample(self) -> dict[int, tuple[str, int]]:
        """pid → (group, ticks) for the processes this run accounts for by name."""
        sample = {pid: ("under_test", _ticks(pid)) for pid in self.under_test}
        sample[os.getpid()] = ("driver", _ticks(os.getpid()))
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in sample:
                continue
            pid = int(entry.name)
            line = _cmdline(pid)
            if "beam.smp" in line and "rabbit" in line:
                sample[pid] = ("rabbitmq", _ticks(pid))
            elif line.startswith("/usr/lib/postgresql/") or (
                line.startswith("postgres: ") and ("(" not in line or f" {self.database} " in line)
            ):
                sample[pid] = ("postgres", _ticks(pid))
        return sample

    def start(self) -> Sample:
        return time.perf_counter(), _host_busy(), self._sample()

    def since(self, start: Sample) -> CpuUse:
        began, host_before, before = start
        after = self._sample()
        wall = time.perf_counter() - began
        host = (_host_busy() - host_before) / TICKS / wall
        cores: dict[str, float] = dict.fromkeys(
            ("under_test", "driver", "rabbitmq", "postgres"), 0.0
        )
        for pid, (group, ticks) in after.items():
            cores[group] = (
                cores.get(group, 0.0)
                + max(0, ticks - before.get(pid, (group, 0))[1]) / TICKS / wall
            )
        return CpuUse(
            under_test=cores["under_test"],
            driver=cores["driver"],
            rabbitmq=cores["rabbitmq"],
            postgres=cores["postgres"],
            others=max(0.0, host - sum(cores.values())),
        )
