"""The page itself: the machine, every target with its verdict, then a table per section and
the section's printed output."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from benchmarks.figures import Figure, show
from benchmarks.page.sections import Section

INTRO = """\
Every figure is the **median of its repetitions** (n), with the lowest and the highest; a target
is met or missed by the median. A ratio is taken repetition by repetition between two measures
made back to back in the same run (deployq against a bare baseline on the same services, or
against Prefect), so a slower or busier machine moves both sides of it. Throughputs in
absolute terms depend on the machine below and on what else ran on it."""


@dataclass(slots=True)
class Outcome:
    section: Section
    command: str
    figures: list[Figure]
    output: str
    code: int
    seconds: float


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _row(item: Figure) -> list[str]:
    return [
        _cell(item.name),
        f"**{show(item.median, item.unit)}**",
        show(item.low, item.unit),
        show(item.high, item.unit),
        str(len(item.finite)),
        _cell(item.target),
        item.verdict,
    ]


def _targets(outcomes: Sequence[Outcome]) -> list[str]:
    rows = [
        [o.section.name, _cell(f.name), show(f.median, f.unit), _cell(f.target), f.verdict]
        for o in outcomes
        for f in o.figures
        if f.target
    ]
    if not rows:
        return ["No figure with a target was measured."]
    return _table(["section", "figure", "median", "target", ""], rows)


def _section(outcome: Outcome) -> list[str]:
    section = outcome.section
    lines = [f"## {section.title}", ""]
    status = "" if outcome.code == 0 else f"; **failed (exit {outcome.code})**"
    lines += [f"`{outcome.command}`, {outcome.seconds:.0f} s{status}", ""]
    if outcome.figures:
        header = ["figure", "median", "min", "max", "n", "target", ""]
        lines += [*_table(header, map(_row, outcome.figures)), ""]
        notes = [f"- {f.name}: {f.note}" for f in outcome.figures if f.note]
        lines += [*notes, ""] if notes else []
    lines += [
        "<details><summary>printed output</summary>",
        "",
        "```",
        outcome.output.rstrip(),
        "```",
        "",
        "</details>",
        "",
    ]
    return lines


def render(
    machine: dict[str, str], outcomes: Sequence[Outcome], *, command: str, quick: bool
) -> str:
    kind = "a quick run (small sizes: for checking, not for comparing)" if quick else "a full run"
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}`: {kind}. How each benchmark works, and how to run one alone:",
        "[benchmarks/README.md](../benchmarks/README.md).",
        "",
        INTRO,
        "",
        "## The machine",
        "",
        *_table(["", ""], ([_cell(k), _cell(v)] for k, v in machine.items())),
        "",
        "## Targets",
        "",
        *_targets(outcomes),
        "",
    ]
    for outcome in outcomes:
        lines += _section(outcome)
    return "\n".join(lines).rstrip() + "\n"
