"""Figures a benchmark hands to the one-page report, `python -m benchmarks`.

A benchmark run by the page finds a file named in DEPLOYQ_BENCH_FIGURES and appends one JSON line
per figure: every repetition's value (the page shows their median, min and max), the unit and,
where the figure has one, its target. Run alone, a benchmark records nothing; it only prints.
A figure is met or missed by its median, so one disturbed repetition neither passes nor fails it.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

ENV = "DEPLOYQ_BENCH_FIGURES"

# How each unit is written: fractions as percentages, ratios as multiples.
UNITS = {"%": "{:.0%}", "x": "{:.2f}x", "/s": "{:,.0f}/s", "MB": "{:.0f} MB", "s": "{:.2f} s"}


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    values: tuple[float, ...]
    unit: str
    at_least: float | None = None
    at_most: float | None = None
    note: str = ""

    @property
    def finite(self) -> list[float]:
        return [v for v in self.values if not math.isnan(v)]

    @property
    def median(self) -> float:
        return statistics.median(self.finite) if self.finite else math.nan

    @property
    def low(self) -> float:
        return min(self.finite, default=math.nan)

    @property
    def high(self) -> float:
        return max(self.finite, default=math.nan)

    @property
    def target(self) -> str:
        if self.at_least is not None:
            return f">= {show(self.at_least, self.unit)}"
        if self.at_most is not None:
            return f"<= {show(self.at_most, self.unit)}"
        return ""

    @property
    def met(self) -> bool | None:
        """By the median; None when the figure has no target (or no value)."""
        if not self.finite or (self.at_least is None and self.at_most is None):
            return None
        if self.at_least is not None and self.median < self.at_least:
            return False
        return not (self.at_most is not None and self.median > self.at_most)

    @property
    def verdict(self) -> str:
        return {None: "", True: "met", False: "MISSED"}[self.met]

    def line(self) -> str:
        """One printed line: median (min to max, n), target and verdict."""
        low, high = show(self.low, self.unit), show(self.high, self.unit)
        spread = f"({low} to {high}, n={len(self.finite)})"
        target = f"  target {self.target}: {self.verdict}" if self.target else ""
        return f"  {self.name:<44} {show(self.median, self.unit):>12} {spread}{target}"


def show(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "ms":
        return f"{value:.2f} ms" if abs(value) < 10 else f"{value:,.1f} ms"
    return UNITS.get(unit, "{:.3g} " + unit).format(value)


def figure(
    name: str,
    values: Iterable[float],
    unit: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    note: str = "",
) -> Figure:
    return Figure(name, tuple(float(v) for v in values), unit, at_least, at_most, note)


def record(figures: Sequence[Figure]) -> None:
    """Append the figures to the page's file, when a page is being made; print them anyway."""
    for item in figures:
        print(item.line())
    path = os.environ.get(ENV)
    if not path:
        return
    with Path(path).open("ab") as out:
        for item in figures:
            out.write(orjson.dumps(asdict(item)) + b"\n")


def read(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    found = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            data = orjson.loads(line)
            data["values"] = tuple(math.nan if v is None else v for v in data["values"])
            found.append(Figure(**data))
    return found


def ratios(tops: Sequence[float], bottoms: Sequence[float]) -> list[float]:
    """Repetition by repetition: each ratio's two sides were measured side by side."""
    return [t / b if b and not math.isnan(t) and not math.isnan(b) else math.nan
            for t, b in zip(tops, bottoms, strict=True)]  # fmt: skip
