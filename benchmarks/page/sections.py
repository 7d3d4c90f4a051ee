"""The sections of the benchmark page, in the order they run and are printed.

Adding a benchmark to the page is one line in SECTIONS: a module runnable as
`python -m <module>`, with its arguments for the full run and for `--quick` (each figure needs
at least 3 repetitions in both). A module that records figures (`benchmarks.figures`) gets a
table of them; every section's printed output is kept on the page too. A section's title is
the first line of its module's docstring.
"""

from __future__ import annotations

import importlib
import shlex
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    module: str
    full: str = ""
    quick: str = ""

    def argv(self, quick: bool) -> list[str]:
        return ["-m", self.module, *shlex.split(self.quick if quick else self.full)]

    @property
    def title(self) -> str:
        doc = importlib.import_module(self.module).__doc__ or self.module
        return doc.strip().split("\n\n")[0].replace("\n", " ").rstrip(".")


SECTIONS: list[Section] = [
    Section("commands", "benchmarks.commands", quick="--commands 900 --rounds 3 --warmup 100"),
    Section("materialise", "benchmarks.materialise", quick="--deployments 100 --steady 1000"),
    Section("scheduler", "benchmarks.scheduler_process", quick="--deployments 300"),
    Section("scale", "benchmarks.scale", quick="--sizes 1000,10000"),
    Section("peer", "benchmarks.peer", quick="--creates 200 --deployments 50 --warmup 50"),
    Section("occurrences", "benchmarks.occurrences", quick="--seconds 0.2"),
]  # fmt: skip
