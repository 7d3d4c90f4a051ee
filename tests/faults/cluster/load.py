"""One run on the cluster: thousands of `deployment.create` from a client that retries with the
same message_id, two `deployq worker` processes and a `deployq scheduler` (whose relay publishes
too), all reaching the broker one way (the nodes' address list, or HAProxy), while the faults of
faults.py are injected in turn. Then it is judged as the single-node load test is: applied once,
answered the same way, announced once, nothing left on the command queue, nothing dead."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from deployq.settings import Settings
from tests.databases import migrated_database
from tests.faults.caller import Caller
from tests.faults.cluster.faults import FAULTS, ClusterFaults
from tests.faults.cluster.nodes import RabbitCluster
from tests.faults.crew import crew
from tests.faults.events import event_tap
from tests.faults.load_checks import LoadFindings, judge_answers, judge_effects, stored
from tests.faults.test_load import announced, call_flow, settle
from tests.support import wait_until

GROUP_SIZE = 3  # every node holds a replica of the command queue


@dataclass(frozen=True)
class Way:
    name: str  # "address list" or "haproxy"
    amqp_url: str  # what the workers, the scheduler and the client are given


async def one_run(
    way: Way, cluster: RabbitCluster, postgres_url: str, writes: int, in_flight: int
) -> tuple[str, list[str]]:
    """The summary line, and what failed (nothing when all is well)."""
    tag = uuid.uuid4().hex[:8]
    namespace = f"dqcluster-{tag}"
    names = [f"cluster-{tag}-{n:05d}" for n in range(writes)]
    message_ids = {name: uuid.uuid4().hex for name in names}
    findings = LoadFindings(sent=writes)
    started = time.monotonic()
    async with migrated_database(postgres_url, f"deployq_cluster_{tag}") as url:
        settings = Settings(
            amqp_url=way.amqp_url,
            database_url=url,
            namespace=namespace,
            shutdown_grace_seconds=10,
        )
        env = {"DEPLOYQ_QUORUM_INITIAL_GROUP_SIZE": str(GROUP_SIZE)}
        caller = Caller(way.amqp_url, namespace)
        faults = ClusterFaults(cluster, f"{namespace}.commands", caller)
        quorum = {"x-queue-type": "quorum"}  # the tap's events must outlive a node too
        async with (
            event_tap(cluster.urls[0], namespace, arguments=quorum) as tap,
            crew("worker", settings, 2, **env) as workers,
            crew("scheduler", settings, 1, **env) as schedulers,
        ):
            _, members = await asyncio.to_thread(cluster.placement, f"{namespace}.commands")
            if len(members) != GROUP_SIZE:
                findings.problems.append(f"the command queue has {len(members)} replicas")
            try:
                end = await load(caller, faults, names, message_ids, findings, in_flight)
                await settle(findings, cluster.up()[0], namespace)
            finally:
                await caller.close()
            rows, inbox_rows = await stored(url, f"cluster-{tag}-", list(message_ids.values()))
            await announced(tap, rows, writes)
            judge_answers(findings, caller, message_ids)
            judge_effects(findings, rows, inbox_rows, tap, caller, message_ids)
            # Each lost link is followed by a new one, to whichever node answers.
            moved = workers.count("lost the broker") + schedulers.count("lost the broker")
            failures = findings.failures()
            if failures:
                failures.append(workers.tail(8) + "\n" + schedulers.tail(8))
    took = time.monotonic() - started
    line = (
        f"cluster/{way.name}: {findings.line()}; {caller.attempts} publishes; "
        f"{moved} broker links lost and made again by the services; "
        f"{faults.describe(end)}; {took:.0f} s"
    )
    return line, failures


async def load(
    caller: Caller,
    faults: ClusterFaults,
    names: list[str],
    message_ids: dict[str, str],
    findings: LoadFindings,
    in_flight: int,
) -> float:
    """The writes, `in_flight` at a time, each fault injected once the replies reach its share
    of the load (the clients run at most half a share past a fault before it is over, so every
    fault meets commands in flight). When the last write was answered."""
    flow_id = (await call_flow(caller))["result"]["id"]
    step = len(names) // (len(FAULTS) + 1)
    shares = [step * turn for turn in range(1, len(FAULTS) + 1)]
    over = [asyncio.Event() for _ in FAULTS]
    pending = iter(enumerate(names))

    async def client() -> None:
        for n, name in pending:
            for share, fault_over in zip(shares, over, strict=True):
                if n >= share + step // 2:
                    await fault_over.wait()
            body = {"flow_id": flow_id, "name": name}
            await caller.call("deployment.create", body, message_ids[name])

    async def inject() -> None:
        for name, share, fault_over in zip(FAULTS, shares, over, strict=True):

            async def reached(share: int = share) -> bool:
                return caller.answered() >= share

            await wait_until(reached, timeout=300, interval=0.02)
            await faults.inject(name)
            fault_over.set()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(in_flight):
                group.create_task(client())
            group.create_task(inject())
    except* AssertionError as failed:
        findings.problems.extend(str(error) for error in failed.exceptions)
    return time.monotonic()
