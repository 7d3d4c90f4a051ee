"""The benchmark page's arithmetic: a figure is met or missed by the median of its repetitions,
a ratio pairs repetitions side by side, and the figures a benchmark records reach the page."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.figures import ENV, figure, ratios, read, record
from benchmarks.page.markdown import Outcome, render
from benchmarks.page.sections import SECTIONS, Section


def test_a_target_is_judged_by_the_median() -> None:
    one_bad_round = figure("create / ceiling", [0.70, 0.40, 0.66], "%", at_least=0.65)
    assert (one_bad_round.median, one_bad_round.low, one_bad_round.high) == (0.66, 0.40, 0.70)
    assert one_bad_round.met is True
    assert figure("p99", [2.1, 1.5, 2.4], "x", at_most=2.0).met is False
    assert figure("no target", [1.0, 2.0, 3.0], "/s").met is None


def test_missing_repetitions_are_left_out_not_counted_as_zero() -> None:
    found = figure("ratio", ratios([10.0, 20.0, 30.0], [5.0, 0.0, math.nan]), "x", at_least=1.5)
    assert len(found.finite) == 1
    assert found.median == 2.0
    assert found.met is True
    assert figure("nothing", [], "x", at_least=1.0).met is None


def test_recorded_figures_reach_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "figures.jsonl"
    monkeypatch.setenv(ENV, str(path))
    record([figure("events p99", [40.0, math.nan, 60.0], "ms", at_most=100.0, note="a note")])
    [found] = read(path)
    assert found.name == "events p99"
    assert found.median == 50.0
    assert found.note == "a note"

    section = Section("commands", "benchmarks.commands", quick="--commands 9")
    page = render(
        {"CPU": "test | cpu"},
        [Outcome(section, "python -m benchmarks.commands --commands 9", [found], "out", 0, 1.0)],
        command="python -m benchmarks --quick",
        quick=True,
    )
    assert "| test \\| cpu |" in page
    assert "| commands | events p99 | 50.0 ms | <= 100.0 ms | met |" in page
    assert "- events p99: a note" in page


def test_every_section_runs_three_repetitions_or_more_even_quick() -> None:
    for section in SECTIONS:
        assert section.title
        argv = section.argv(quick=True)
        for flag in ("--rounds", "--repeat"):
            if flag in argv:
                assert int(argv[argv.index(flag) + 1]) >= 3
