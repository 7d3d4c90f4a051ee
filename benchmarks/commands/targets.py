"""The run's figures against their targets, each one per round (median, min and max printed).

A ratio is taken round by round: deployq's chunk against the ceiling's chunk of the same round,
so both sides of each repetition ran back to back. The targets are issue 11's: every write kind
at >= 65 % of the ceiling's throughput with p99 <= 2x the ceiling's, reads at >= 70 %, the
`deployment.created` event at a subscriber within 100 ms (p99) of the reply, two workers
>= 1.15x one, and the worker at rest under 120 MB.
"""

from __future__ import annotations

import math

from benchmarks.commands.load import Phase, percentile
from benchmarks.commands.report import Report, cpu_per_command
from benchmarks.figures import Figure, figure, ratios

# kind → (label, throughput target, p99 target), as a fraction / a multiple of the ceiling's.
KINDS: dict[str, tuple[str, float, float | None]] = {
    "create": ("create, no schedule", 0.65, 2.0),
    "create scheduled": ("create, one schedule", 0.65, 2.0),
    "update": ("update", 0.65, 2.0),
    "read": ("read", 0.70, None),
}
EVENT_P99_TARGET_MS = 100.0
SCALING_TARGET = 1.15
RSS_TARGET_MB = 120.0


def _rates(phases: list[Phase]) -> list[float]:
    return [p.rate for p in phases]


def _p99(phases: list[Phase]) -> list[float]:
    return [p.percentile(99) for p in phases]


def kinds(report: Report) -> list[Figure]:
    base = report.rounds.get("ceiling", [])
    out: list[Figure] = []
    if base:
        out.append(figure("ceiling: commands/s", _rates(base), "/s"))
        out.append(figure("ceiling: p99", _p99(base), "ms"))
    for kind, (label, throughput, p99) in KINDS.items():
        phases = report.rounds.get(kind, [])
        if not phases:
            continue
        out.append(figure(f"{label}: commands/s", _rates(phases), "/s"))
        out.append(figure(f"{label}: p99", _p99(phases), "ms"))
        out.append(figure(f"{label}: worker CPU per command", map(cpu_per_command, phases), "ms"))
        if base:
            rate = ratios(_rates(phases), _rates(base))
            out.append(figure(f"{label} / ceiling: throughput", rate, "%", at_least=throughput))
            tail = ratios(_p99(phases), _p99(base))
            out.append(figure(f"{label} / ceiling: p99", tail, "x", at_most=p99))
    return out


def events(report: Report) -> list[Figure]:
    if not report.event_latencies:
        return []
    p50 = [percentile(values, 50) for values, _ in report.event_latencies]
    p99 = [percentile(values, 99) for values, _ in report.event_latencies]
    missing = sum(lost for _, lost in report.event_latencies)
    note = f"{missing} event(s) never arrived" if missing else ""
    return [
        figure("reply to deployment.created event: p50", p50, "ms", note=note),
        figure(
            "reply to deployment.created event: p99",
            p99,
            "ms",
            at_most=EVENT_P99_TARGET_MS,
            note=note,
        ),
    ]


def scaling(report: Report) -> list[Figure]:
    out = []
    for one, two, label, target in (
        ("create", "create x2", "two workers / one: create throughput", SCALING_TARGET),
        ("ceiling", "ceiling x2", "two ceilings / one: throughput (reference)", None),
    ):
        doubled = report.rounds.get(two, [])
        if doubled:
            single = _rates(report.rounds[one])
            out.append(figure(label, ratios(_rates(doubled), single), "x", at_least=target))
    return out


def memory(report: Report) -> list[Figure]:
    rss = report.rss.get("at rest after start-up", {}).get("VmRSS", math.nan)
    if math.isnan(rss):
        return []
    return [
        figure(
            "worker memory at rest (VmRSS)",
            [rss],
            "MB",
            at_most=RSS_TARGET_MB,
            note="one reading, after start-up and a short idle",
        )
    ]


def all_figures(report: Report) -> list[Figure]:
    return [*kinds(report), *events(report), *scaling(report), *memory(report)]
