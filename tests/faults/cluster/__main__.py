"""`python -m tests.faults.cluster [--way address-list|haproxy|both] [--writes N]`, as root, from
the repository: a local 3-node RabbitMQ cluster (dqc1–dqc3@localhost, ports 5681–5683) and a
private PostgreSQL cluster, then one load-and-faults run per way, each printing a one-line
summary. Exit 0 when every run kept every guarantee. Not part of the default test run (it takes
minutes); docs/cluster.md describes it. Everything it starts is stopped by pid on the way out,
Ctrl-C included."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from tests.faults.cluster.haproxy import HAProxy
from tests.faults.cluster.load import Way, one_run
from tests.faults.cluster.nodes import RabbitCluster
from tests.faults.instances import PostgresCluster

WAYS = ("address-list", "haproxy")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.cluster", description=__doc__)
    parser.add_argument("--way", choices=[*WAYS, "both"], default="both")
    parser.add_argument("--writes", type=int, default=3000, help="deployment.create commands")
    parser.add_argument("--in-flight", type=int, default=32, help="commands awaiting replies")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> int:
    ways = WAYS if args.way == "both" else (args.way,)
    failed = False
    began = time.monotonic()
    print("starting a 3-node RabbitMQ cluster and a PostgreSQL cluster …", flush=True)
    async with PostgresCluster() as postgres:
        with RabbitCluster() as cluster:
            print(f"cluster up in {time.monotonic() - began:.0f} s", flush=True)
            for name in ways:
                if name == "address-list":
                    line, failures = await one_run(
                        Way("address list", ",".join(cluster.urls)),
                        cluster, postgres.url, args.writes, args.in_flight,
                    )  # fmt: skip
                else:
                    backends = [(n.node.split("@")[0], n.port) for n in cluster.nodes]
                    with HAProxy(backends) as haproxy:
                        line, failures = await one_run(
                            Way("haproxy", haproxy.url()),
                            cluster, postgres.url, args.writes, args.in_flight,
                        )  # fmt: skip
                print(line, flush=True)
                for failure in failures:
                    print(f"  FAILED: {failure}", flush=True)
                failed = failed or bool(failures)
                for node in list(cluster.down):  # every node up again for the next run
                    await asyncio.to_thread(cluster.revive, node)
    return 1 if failed else 0


if __name__ == "__main__":
    # The client's reconnect attempts would fill the screen; the summary says what counts.
    logging.basicConfig(level=logging.ERROR, format="%(asctime)s %(name)s %(message)s")
    try:
        sys.exit(asyncio.run(main(arguments())))
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        sys.exit(130)
