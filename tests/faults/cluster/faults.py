"""The cluster's faults, in turn: SIGKILL the node leading the command queue and keep it down;
start it again and SIGKILL a follower; start the follower again. Each is timed against the
replies the client got, so the summary says how long the service paused."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

from tests.faults.caller import Caller
from tests.faults.cluster.nodes import RabbitCluster

FAULTS = ("leader killed", "leader back, a follower killed", "follower back")


@dataclass
class ClusterFaults:
    cluster: RabbitCluster
    queue: str
    caller: Caller
    # (what happened, when): the moments the replies are measured from.
    moments: list[tuple[str, float]] = field(default_factory=list)
    killed_leader: str = ""
    killed_follower: str = ""

    async def inject(self, name: str) -> None:
        if name == FAULTS[0]:
            leader, _ = await asyncio.to_thread(self.cluster.placement, self.queue)
            self.killed_leader = leader
            self.moments.append((f"leader {short(leader)} killed", time.monotonic()))
            await asyncio.to_thread(self.cluster.kill, leader)
        elif name == FAULTS[1]:
            await asyncio.to_thread(self.cluster.revive, self.killed_leader)
            leader, members = await asyncio.to_thread(self.cluster.placement, self.queue)
            # A follower that stayed up: the queue's majority then needs the node that just came
            # back, so that node must have caught up.
            followers = [m for m in members if m not in (leader, self.killed_leader)]
            self.killed_follower = (followers or [m for m in members if m != leader])[0]
            killed = f"follower {short(self.killed_follower)} killed"
            self.moments.append((killed, time.monotonic()))
            await asyncio.to_thread(self.cluster.kill, self.killed_follower)
        else:
            await asyncio.to_thread(self.cluster.revive, self.killed_follower)
            self.moments.append((f"follower {short(self.killed_follower)} back", time.monotonic()))

    def describe(self, end: float) -> str:
        """Per fault: the time to the first reply after it and the longest pause in replies
        until the next fault (or the end of the load)."""
        times = sorted(r.at for rs in self.caller.replies.values() for r in rs)
        parts = []
        bounds = [moment for _, moment in self.moments[1:]] + [end]
        for (what, moment), until in zip(self.moments, bounds, strict=True):
            window = [moment, *(t for t in times if moment < t <= until)]
            if len(window) == 1:
                parts.append(f"{what}: no reply after it")
                continue
            pause = max(b - a for a, b in itertools.pairwise(window))
            parts.append(
                f"{what}: first reply in {window[1] - moment:.1f} s, longest pause {pause:.1f} s"
            )
        return "; ".join(parts)


def short(node: str) -> str:
    return node.split("@", 1)[0]
