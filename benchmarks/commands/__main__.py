"""`python -m benchmarks.commands`: the command line, the run, the printout."""

from __future__ import annotations

import argparse
import asyncio
import sys

import benchmarks.commands
from benchmarks import scratch
from benchmarks.ceiling import run_loop
from benchmarks.commands.report import print_memory, print_phases
from benchmarks.commands.run import bench
from benchmarks.commands.targets import all_figures
from benchmarks.figures import record
from deployq.settings import Settings


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.commands",
        description=(benchmarks.commands.__doc__ or "").split("\n")[0],
    )
    parser.add_argument("--commands", type=int, default=5000, help="commands per measured phase")
    parser.add_argument("--inflight", type=int, default=16, help="commands outstanding at once")
    parser.add_argument(
        "--prefetch",
        type=int,
        default=Settings.model_fields["prefetch"].default,
        help="consumer prefetch for both (default: deployq's own default)",
    )
    parser.add_argument("--warmup", type=int, default=300, help="commands before each phase")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="split each phase into this many chunks, one of each per round (the ratios' "
        "repetitions)",
    )
    parser.add_argument(
        "--scaling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="each round, also two workers (and two ceilings) side by side",
    )
    parser.add_argument(
        "--events",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="each round, also creates with a subscriber bound to the events (latency)",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="the ceiling's asyncpg pool (default: prefetch + 4, as deployq's own pool)",
    )
    parser.add_argument("--amqp-url", default=scratch.amqp_url())
    parser.add_argument(
        "--database-url",
        default=scratch.database_url(),
        help="a database the run can connect to and CREATE DATABASE from",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a reply")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds at rest before RSS")
    parser.add_argument(
        "--worker-migrate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the worker with --migrate (the schema is applied beforehand anyway)",
    )
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the worker, e.g. DEPLOYQ_POOL_SIZE=40 (repeatable)",
    )
    parser.add_argument(
        "--worker-command",
        default=None,
        help="the worker's command line instead of `python -m deployq worker` (e.g. under a "
        "profiler or a patched build); --migrate is appended unless --no-worker-migrate",
    )
    parser.add_argument(
        "--log-dir", default=None, help="keep the worker's and the ceiling's stderr there"
    )
    parser.add_argument("--skip-ceiling", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--pause-before-create",
        type=float,
        default=0.0,
        help="seconds to wait after the warm-up, before measuring (to attach a profiler)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    try:
        report = run_loop(bench(parse(argv)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; the database, queues and processes were cleaned up", file=sys.stderr)
        raise SystemExit(130) from None
    print_phases(report)
    print_memory(report)
    print()
    print("figures per round: median (min to max), target")
    record(all_figures(report))


if __name__ == "__main__":
    main(sys.argv[1:])
