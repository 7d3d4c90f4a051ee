"""HAProxy (Debian's package) in front of the cluster's nodes, as an operator would run it: plain
TCP, a health check every second, sessions to a node that fails its check cut at once, and a
connection refused by a dead node sent to another. Its own config file and port; stopped by pid."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.faults.instances import CommandFailed, Unavailable, free_port
from tests.faults.instances.common import Instance

CONFIG = """\
global
    maxconn 4096

defaults
    mode tcp
    timeout connect 2s
    # Longer than AMQP's heartbeat: idle client connections are the broker's to judge.
    timeout client 3h
    timeout server 3h
    retries 3
    option redispatch

frontend amqp
    bind 127.0.0.1:{port}
    default_backend rabbitmq

backend rabbitmq
    balance leastconn
    default-server check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
{servers}
"""


def config(port: int, backends: list[tuple[str, int]]) -> str:
    servers = "\n".join(f"    server {name} 127.0.0.1:{p}" for name, p in backends)
    return CONFIG.format(port=port, servers=servers)


class HAProxy(Instance):
    def __init__(self, backends: list[tuple[str, int]], *, port: int | None = None) -> None:
        self.binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(self.binary).exists():
            raise Unavailable("haproxy is not installed (apt-get install -y haproxy)")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dqhaproxy-"))
        self.config = self.dir / "haproxy.cfg"
        self.config.write_text(config(self.port, backends))
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, credentials: str = "guest:guest") -> str:
        return f"amqp://{credentials}@127.0.0.1:{self.port}/"

    def start(self) -> None:
        check = [self.binary, "-c", "-f", str(self.config)]
        checked = subprocess.run(check, capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise CommandFailed(f"haproxy refused its config: {checked.stderr}")
        with (self.dir / "log").open("wb") as log:
            self.process = subprocess.Popen(
                [self.binary, "-db", "-f", str(self.config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 10
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise CommandFailed(f"haproxy did not start: {(self.dir / 'log').read_text()}")
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def close(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.dir)
