"""`python -m benchmarks.peer`: deployq and Prefect side by side, repetition by repetition."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

import benchmarks.peer
from benchmarks import scratch
from benchmarks.ceiling import run_loop
from benchmarks.commands.load import percentile
from benchmarks.figures import Figure, figure, ratios, record
from benchmarks.peer.deployq_side import DeployqSide, deployq_side
from benchmarks.peer.prefect_process import PrefectProcess, default_python
from deployq.settings import Settings

Rows = dict[str, list[float]]


async def repetition(
    args: argparse.Namespace, deployq: DeployqSide, prefect: PrefectProcess, flow: str, rows: Rows
) -> None:
    """One of each, in turn: deployq's creates, Prefect's, deployq's pass, Prefect's."""
    number = len(rows["deployq create"]) + 1
    print(f"  repetition {number}/{args.repeat}", file=sys.stderr, flush=True)
    made = await deployq.create(f"r{number}", args.creates)
    rows["deployq create"].append(made.rate)
    rows["deployq create p99"].append(made.percentile(99))
    theirs = await prefect.ask(
        op="create",
        flow_id=flow,
        prefix=f"r{number}",
        count=args.creates,
        inflight=args.inflight,
        scheduled=False,
    )
    rows["prefect create"].append(args.creates / theirs["seconds"])
    rows["prefect create p99"].append(percentile(theirs["latencies"], 99))
    rate, _ = await deployq.schedule()
    rows["deployq pass"].append(rate)
    passed = await prefect.ask(op="schedule", expected=args.deployments * args.runs)
    rows["prefect pass"].append(passed["runs"] / passed["seconds"])


def figures(rows: Rows, k: int) -> list[Figure]:
    deployq, prefect = rows["deployq create"], rows["prefect create"]
    passes, theirs = rows["deployq pass"], rows["prefect pass"]
    return [
        figure(f"deployq deployment.create, worker, {k} in flight", deployq, "/s"),
        figure(f"Prefect create_deployment, in process, {k} at once", prefect, "/s"),
        figure("create: deployq / Prefect", ratios(deployq, prefect), "x"),
        figure("deployq deployment.create: p99", rows["deployq create p99"], "ms"),
        figure("Prefect create_deployment: p99", rows["prefect create p99"], "ms"),
        figure("deployq scheduler pass: runs/s", passes, "/s"),
        figure("Prefect schedule_deployments: runs/s", theirs, "/s"),
        figure("scheduler: deployq / Prefect", ratios(passes, theirs), "x"),
    ]


async def bench(args: argparse.Namespace) -> list[Figure]:
    if not await asyncio.to_thread(Path(args.prefect_python).exists):
        note = f"skipped: no Prefect python at {args.prefect_python} (see benchmarks/README.md)"
        print(note)
        return [figure("deployq / Prefect", [], "x", note=note)]
    names = scratch.RunNames.fresh("peer")
    rows: Rows = {}
    for key in ("deployq create", "prefect create", "deployq pass", "prefect pass"):
        rows[key], rows[f"{key} p99"] = [], []
    async with (
        scratch.scratch_database(args.database_url, names.database) as database,
        scratch.scratch_database(
            args.database_url, f"{names.database}_prefect", migrate=False
        ) as theirs,
    ):
        with tempfile.TemporaryDirectory(prefix="deployq-peer-") as tmp:
            logdir = Path(args.log_dir or tmp)
            prefect = await PrefectProcess.start(args.prefect_python, theirs.url, args.runs, logdir)
            try:
                print(f"Prefect {prefect.ready['prefect']}", file=sys.stderr)
                async with deployq_side(args, database, names.namespace, logdir) as deployq:
                    flow = (await prefect.ask(op="flow", name="bench"))["id"]
                    common = {"op": "create", "flow_id": flow, "inflight": args.inflight}
                    await prefect.ask(**common, prefix="warm", count=args.warmup, scheduled=False)
                    await deployq.seed(args.deployments)
                    await prefect.ask(
                        **common, prefix="scheduled", count=args.deployments, scheduled=True
                    )
                    for _ in range(args.repeat):
                        await repetition(args, deployq, prefect, flow, rows)
            finally:
                await prefect.stop()
                with contextlib.suppress(Exception):
                    await scratch.delete_namespace(args.amqp_url, names.namespace)
    return figures(rows, args.inflight)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peer",
        description=(benchmarks.peer.__doc__ or "").split("\n")[0],
    )
    parser.add_argument("--prefect-python", default=default_python())
    parser.add_argument("--creates", type=int, default=1000, help="creates per repetition")
    parser.add_argument("--deployments", type=int, default=500, help="scheduled deployments")
    parser.add_argument("--runs", type=int, default=100, help="runs per deployment a pass makes")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measure")
    parser.add_argument("--inflight", type=int, default=16, help="creates at once, both sides")
    parser.add_argument("--prefetch", type=int, default=Settings.model_fields["prefetch"].default)
    parser.add_argument("--warmup", type=int, default=100, help="creates before measuring")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a reply")
    parser.add_argument("--amqp-url", default=scratch.amqp_url())
    parser.add_argument("--database-url", default=scratch.database_url())
    parser.add_argument("--log-dir", default=None, help="keep both sides' stderr there")
    parser.set_defaults(worker_env=[], worker_command=None, worker_migrate=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    found = run_loop(bench(args))
    print()
    print(f"deployq and Prefect {args.deployments} deployments x {args.runs} runs; per repetition:")
    record(found)


if __name__ == "__main__":
    main(sys.argv[1:])
