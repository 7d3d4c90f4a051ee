"""`python -m benchmarks`: every benchmark in turn, and one page of their figures.

Each section of `benchmarks.page.sections.SECTIONS` runs as its own process (`python -m
<module>`), recording its figures in a file the page then reads; the page, with the machine it
ran on, is written to docs/benchmarks.md. `--quick` runs every section at small sizes (still
three repetitions of everything) to check that it all works; the full run is the one to quote.
On a shared machine, hold the bench lock: `flock /tmp/deployq-bench.lock python -m benchmarks`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from benchmarks import scratch
from benchmarks.figures import ENV, read
from benchmarks.page.machine import ROOT, describe
from benchmarks.page.markdown import Outcome, render
from benchmarks.page.sections import SECTIONS, Section

PAGE = ROOT / "docs" / "benchmarks.md"


class Sections:
    """Runs the sections one by one; SIGTERM is passed on to the one running, which cleans up
    (its databases, queues and processes) before the page stops."""

    def __init__(self, quick: bool, workdir: Path) -> None:
        self.quick = quick
        self.workdir = workdir
        self.current: subprocess.Popen[str] | None = None
        self.stopped = False
        signal.signal(signal.SIGTERM, self._forward)

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.stopped = True
        if self.current is not None:
            self.current.send_signal(signum)

    def run(self, section: Section) -> Outcome:
        path = self.workdir / f"{section.name}.jsonl"
        command = "python " + shlex.join(section.argv(self.quick))
        print(f"== {section.name}: {command}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        self.current = subprocess.Popen(
            [sys.executable, *section.argv(self.quick)],
            cwd=ROOT,
            env={**os.environ, ENV: str(path)},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            output, _ = self.current.communicate()
        except KeyboardInterrupt:  # the section had the signal too: let it clean up
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.current.wait(120)
            raise
        code = self.current.returncode
        self.current = None
        sys.stdout.write(output)
        sys.stdout.flush()
        return Outcome(section, command, read(path), output, code, time.perf_counter() - began)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    names = [s.name for s in SECTIONS]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it all works")
    parser.add_argument("--only", action="append", choices=names, default=[], help="(repeatable)")
    parser.add_argument("--skip", action="append", choices=names, default=[], help="(repeatable)")
    parser.add_argument(
        "--output", default=str(PAGE), help=f"the page (default {PAGE.relative_to(ROOT)}; - : none)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    chosen = [s for s in SECTIONS if (not args.only or s.name in args.only)]
    chosen = [s for s in chosen if s.name not in args.skip]
    machine = asyncio.run(describe(scratch.database_url(), scratch.amqp_url()))
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="deployq-page-") as tmp:
        runner = Sections(args.quick, Path(tmp))
        for section in chosen:
            outcomes.append(runner.run(section))
            if runner.stopped:
                print("stopped (SIGTERM); no page written", file=sys.stderr)
                return 143
    command = shlex.join(["python", "-m", "benchmarks", *(argv if argv is not None else [])])
    text = render(machine, outcomes, command=command, quick=args.quick)
    if args.output != "-":
        Path(args.output).write_text(text)
        print(f"\nwrote {args.output}", file=sys.stderr)
    print("\ntargets (median of the repetitions):")
    for outcome in outcomes:
        for item in outcome.figures:
            if item.target:
                print(f"{outcome.section.name:>12} {item.line().strip()}")
    failed = [o.section.name for o in outcomes if o.code != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
