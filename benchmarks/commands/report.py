"""The printed figures: a table per phase, the ratios against the ceiling, the worker's memory.

The ratios are read against the targets below (deployq / ceiling measured in the same run), so
the printout says "meets" or "MISSES" rather than leaving the arithmetic to the reader.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from benchmarks.commands.load import Phase, percentile

# Targets the figures are read against (deployq / ceiling).
CREATE_THROUGHPUT_TARGET = 0.60
CREATE_P99_TARGET = 2.0
READ_THROUGHPUT_TARGET = 0.70
RSS_TARGET_MB = 120.0


@dataclass(slots=True)
class Report:
    ceiling: Phase | None = None
    create: Phase | None = None
    read: Phase | None = None
    rss: dict[str, dict[str, float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    startup_seconds: float = math.nan


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def print_phases(report: Report) -> None:
    rows = [p for p in (report.ceiling, report.create, report.read) if p is not None]
    print()
    print(f"{'':<16}{'commands/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'ok':>8}{'errors':>8}")
    for p in rows:
        print(
            f"{p.name:<16}{p.rate:>12.0f}{p.percentile(50):>9.2f}{p.percentile(99):>9.2f}"
            f"{p.answered_ok:>8}{p.error_count:>8}"
        )
    for p in rows:
        if len(p.round_rates) > 1:
            rates = " / ".join(f"{r:.0f}" for r in p.round_rates)
            print(f"  {p.name} per round, commands/s: {rates}")
    for p in rows:
        if p.errors:
            print(f"  {p.name} errors: {dict(p.errors)}")
    if report.create is not None:
        for variant, values in sorted(report.create.by_variant.items()):
            print(
                f"  create {variant}: p50 {percentile(values, 50):.2f} ms, "
                f"p99 {percentile(values, 99):.2f} ms ({len(values)})"
            )
        print(f"  create outcomes: {dict(report.outcomes)}")
    print()
    print(
        "CPU during each phase, in cores (this host has 2; 'others' is everything else on it);\n"
        "CPU ms/command is the process under test's own CPU time per command answered"
    )
    print(
        f"{'':<16}{'under test':>11}{'generator':>10}{'rabbitmq':>9}{'postgres':>9}{'others':>8}"
        f"{'new pg sessions':>17}{'CPU ms/command':>16}"
    )
    for p in rows:
        if p.cpu is not None:
            c = p.cpu
            print(
                f"{p.name:<16}{c.under_test:>11.2f}{c.driver:>10.2f}{c.rabbitmq:>9.2f}"
                f"{c.postgres:>9.2f}{c.others:>8.2f}{_or_unknown(p.new_sessions):>17}"
                f"{c.under_test * p.seconds / max(p.answered_ok, 1) * 1000:>16.2f}"
            )


def _or_unknown(value: int | None) -> str:
    return "?" if value is None else str(value)


def print_ratios(report: Report) -> None:
    base = report.ceiling
    if base is None:
        return
    print()
    print("deployq / ceiling")
    if report.create is not None:
        throughput = ratio(report.create.rate, base.rate)
        p99 = ratio(report.create.percentile(99), base.percentile(99))
        print(
            f"  create: throughput {throughput:6.1%} (target >= {CREATE_THROUGHPUT_TARGET:.0%}: "
            f"{verdict(throughput >= CREATE_THROUGHPUT_TARGET)}), "
            f"p99 {p99:.2f}x (target <= {CREATE_P99_TARGET:.0f}x: "
            f"{verdict(p99 <= CREATE_P99_TARGET)})"
        )
    if report.read is not None:
        throughput = ratio(report.read.rate, base.rate)
        p99 = ratio(report.read.percentile(99), base.percentile(99))
        print(
            f"  read:   throughput {throughput:6.1%} (target >= {READ_THROUGHPUT_TARGET:.0%}: "
            f"{verdict(throughput >= READ_THROUGHPUT_TARGET)}), p99 {p99:.2f}x"
        )


def print_memory(report: Report) -> None:
    if not report.rss:
        return
    print()
    print(f"worker memory (start-up to first pong: {report.startup_seconds:.1f}s)")
    for moment, figures in report.rss.items():
        rss = figures.get("VmRSS", math.nan)
        peak = figures.get("VmHWM", math.nan)
        line = f"  {moment:<26} VmRSS {rss:6.1f} MB  (peak VmHWM {peak:.1f} MB)"
        if moment == "at rest after start-up":
            line += f"  target < {RSS_TARGET_MB:.0f} MB: {verdict(rss < RSS_TARGET_MB)}"
        print(line)


def print_report(report: Report) -> None:
    print_phases(report)
    print_ratios(report)
    print_memory(report)
