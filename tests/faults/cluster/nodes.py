"""A local three-node RabbitMQ cluster beside the machine's own node: nodes `dqc1@localhost`…
`dqc3@localhost` on AMQP ports 5681–5683 and distribution ports 25681–25683, each with its data
under one directory in /tmp, run as `rabbitmq` with the machine's Erlang cookie (so `rabbitmqctl
-n` reaches them); the second and third join the first. Nothing here touches the machine's node."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import tempfile
from pathlib import Path

from tests.faults.instances import CommandFailed, RabbitNode
from tests.faults.instances.common import Instance

AMQP_PORTS = (5681, 5682, 5683)
DIST_OFFSET = 20000  # distribution port = AMQP port + this


class ClusterNode(RabbitNode):
    """A cluster member: one scheduler thread, no busy waiting, so three fit on a small machine
    shared with others."""

    @property
    def environment(self) -> dict[str, str]:
        return {**super().environment, "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+S 1:1 +sbwt none"}


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RabbitCluster(Instance):
    """Start with `with RabbitCluster() as cluster:`; every node is stopped and its files removed
    on exit, whatever happened."""

    def __init__(self, prefix: str = "dqc", ports: tuple[int, ...] = AMQP_PORTS) -> None:
        taken = [p for p in (*ports, *(p + DIST_OFFSET for p in ports)) if _in_use(p)]
        if taken:
            raise CommandFailed(f"ports already in use: {taken} (a cluster left running?)")
        self.base = Path(tempfile.mkdtemp(prefix="dqcluster-"))
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        self.nodes = [
            ClusterNode(f"{prefix}{n}", port=port, dist_port=port + DIST_OFFSET, base=self.base)
            for n, port in enumerate(ports, start=1)
        ]
        self.down: set[str] = set()  # nodes killed and not started again

    def by_name(self, node: str) -> RabbitNode:
        return next(n for n in self.nodes if n.node == node)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def up(self) -> list[RabbitNode]:
        return [node for node in self.nodes if node.node not in self.down]

    def start(self) -> None:
        first, *others = self.nodes
        first.start()
        for node in others:
            node.start()
            node.ctl("stop_app")
            node.ctl("reset")
            node.ctl("join_cluster", first.node)
            node.start_app()
        running = first.ctl("cluster_status", "--formatter", "json")
        missing = [node.node for node in self.nodes if node.node not in running]
        if missing:
            raise CommandFailed(f"not in the cluster: {missing}\n{running}")

    def placement(self, queue: str) -> tuple[str, list[str]]:
        """The leader and members of quorum queue `queue`, as a live node sees them."""
        listed = self.up()[0].ctl(
            "list_queues", "--quiet", "--no-table-headers", "name", "leader", "members"
        )
        for line in listed.splitlines():
            name, leader, members = ([*line.split("\t"), "", ""])[:3]
            if name == queue:
                return leader, re.findall(r"[\w.-]+@[\w.-]+", members)
        raise CommandFailed(f"no queue {queue!r}:\n{listed}")

    def kill(self, node: str) -> None:
        """SIGKILL `node`'s VM and keep it down."""
        self.by_name(node).kill()
        self.down.add(node)

    def revive(self, node: str) -> None:
        """Boot a killed node again on its data; it rejoins the cluster by itself."""
        self.by_name(node).start()
        self.down.discard(node)

    def log(self, lines: int = 20) -> str:
        return "\n".join(f"--- {n.node} ---\n{n.log(lines)}" for n in self.nodes)

    def close(self) -> None:
        try:
            for node in reversed(self.nodes):
                with contextlib.suppress(Exception):
                    node.close()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
