"""Each fault test's one-line summary, collected here and printed at the end of the run by
tests/faults/conftest.py (in the terminal summary, so it shows without `-s`)."""

from __future__ import annotations

LINES: list[str] = []


def record(line: str) -> None:
    LINES.append(line)
