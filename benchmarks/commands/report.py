"""What a run saw, and the printed tables: per phase, CPU per process group, the worker's memory.

The ratios against the ceiling and their targets are `targets`' part; this module keeps every
round's phases so that they can be read round by round.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.commands.load import Phase, merge

# The phases of a round, in the order they run (and are printed).
PHASES = (
    "ceiling",
    "ceiling x2",
    "create",
    "create x2",
    "create scheduled",
    "update",
    "read",
    "create subscribed",
)


@dataclass(slots=True)
class Report:
    rounds: dict[str, list[Phase]] = field(default_factory=dict)
    # Per round: reply-to-event seconds of each create, and how many events never came.
    event_latencies: list[tuple[list[float], int]] = field(default_factory=list)
    rss: dict[str, dict[str, float]] = field(default_factory=dict)
    startup_seconds: float = math.nan

    def keep(self, phase: Phase) -> Phase:
        self.rounds.setdefault(phase.name, []).append(phase)
        return phase

    def merged(self) -> list[Phase]:
        return [merge(name, self.rounds[name]) for name in PHASES if name in self.rounds]

    def outcomes(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for phase in self.rounds.get("create", []) + self.rounds.get("create scheduled", []):
            found.update(r.get("outcome", "?") for r in phase.results if r is not None)
        return found


def print_phases(report: Report) -> None:
    rows = report.merged()
    print()
    print(f"{'':<18}{'commands/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'ok':>8}{'errors':>8}")
    for p in rows:
        print(
            f"{p.name:<18}{p.rate:>12.0f}{p.percentile(50):>9.2f}{p.percentile(99):>9.2f}"
            f"{p.answered_ok:>8}{p.error_count:>8}"
        )
    for p in rows:
        if len(p.round_rates) > 1:
            rates = " / ".join(f"{r:.0f}" for r in p.round_rates)
            print(f"  {p.name} per round, commands/s: {rates}")
    for p in rows:
        if p.errors:
            print(f"  {p.name} errors: {dict(p.errors)}")
    print(f"  create outcomes: {dict(report.outcomes())}")
    print()
    print(
        "CPU during each phase, in cores (this host has 2; 'others' is everything else on it);\n"
        "CPU ms/command is the processes under test's own CPU time per command answered"
    )
    print(
        f"{'':<18}{'under test':>11}{'generator':>10}{'rabbitmq':>9}{'postgres':>9}{'others':>8}"
        f"{'new pg sessions':>17}{'CPU ms/command':>16}"
    )
    for p in rows:
        if p.cpu is not None:
            c = p.cpu
            print(
                f"{p.name:<18}{c.under_test:>11.2f}{c.driver:>10.2f}{c.rabbitmq:>9.2f}"
                f"{c.postgres:>9.2f}{c.others:>8.2f}{_or_unknown(p.new_sessions):>17}"
                f"{cpu_per_command(p):>16.2f}"
            )


def cpu_per_command(phase: Phase) -> float:
    """Milliseconds of the processes under test's CPU per command answered."""
    if phase.cpu is None or not phase.answered_ok:
        return math.nan
    return phase.cpu.under_test * phase.seconds / phase.answered_ok * 1000


def _or_unknown(value: int | None) -> str:
    return "?" if value is None else str(value)


def print_memory(report: Report) -> None:
    if not report.rss:
        return
    print()
    print(f"worker memory (start-up to first pong: {report.startup_seconds:.1f}s)")
    for moment, figures in report.rss.items():
        rss = figures.get("VmRSS", math.nan)
        peak = figures.get("VmHWM", math.nan)
        print(f"  {moment:<26} VmRSS {rss:6.1f} MB  (peak VmHWM {peak:.1f} MB)")
