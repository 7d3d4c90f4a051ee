"""A RabbitMQ node of our own, to stop, kill and restart without touching the machine's broker."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import uuid
from pathlib import Path

from tests.faults.instances.common import (
    CommandFailed,
    Instance,
    Unavailable,
    alive,
    free_port,
    need,
    private_dir,
    run_as,
    tail,
    wait_gone,
)

RABBITMQ_HOME = Path("/var/lib/rabbitmq")  # holds the cookie the CLI shares with every node


class RabbitNode(Instance):
    """Node `name@host`: AMQP on 127.0.0.1:`port`, distribution on `dist_port`, everything (data,
    logs, an empty plugins file, no config file) under one directory owned by `rabbitmq`. Nodes
    share the machine's Erlang cookie, so several made on one host can be clustered with `ctl`."""

    def __init__(
        self,
        name: str | None = None,
        *,
        host: str = "localhost",
        port: int | None = None,
        dist_port: int | None = None,
        base: Path | None = None,
        config: str | None = None,
    ) -> None:
        need("rabbitmq", "rabbitmq-server", "rabbitmqctl")
        if not (RABBITMQ_HOME / ".erlang.cookie").exists():
            raise Unavailable(f"no Erlang cookie in {RABBITMQ_HOME}")
        self.node = f"{name or 'dqfault-' + uuid.uuid4().hex[:8]}@{host}"
        self.port = port or free_port()
        self.dist_port = dist_port or free_port()
        self.dir = private_dir("dqrabbit-", "rabbitmq", base)
        plugins = self.dir / "plugins"
        plugins.write_text("[].\n")
        shutil.chown(plugins, "rabbitmq", "rabbitmq")
        # `config`: rabbitmq.conf lines (e.g. a TLS listener); none by default.
        self.config = self.dir / ("rabbitmq.conf" if config else "none")
        if config:
            self.config.write_text(config)
            shutil.chown(self.config, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def environment(self) -> dict[str, str]:
        """What makes `rabbitmq-server` this node rather than the machine's."""
        return {
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.config),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "none.config"),
            "ERL_CRASH_DUMP": str(self.dir / "erl_crash.dump"),
        }

    def ctl(self, *arguments: str, timeout: float = 60) -> str:
        """`rabbitmqctl -n <node> …`, run as `rabbitmq` (whose home holds the cookie)."""
        return run_as("rabbitmq", ["rabbitmqctl", "-n", self.node, *arguments], timeout=timeout)

    def log(self, lines: int = 40) -> str:
        """The end of the node's logs, for a failure message."""
        return "".join(tail(path, lines) for path in sorted((self.dir / "log").glob("*.log")))

    def start(self) -> None:
        """Boot the node; return once RabbitMQ runs in it and accepts connections."""
        pid_file = self._pid_file()
        pid_file.unlink(missing_ok=True)  # a killed node leaves its pid file behind
        run_as("rabbitmq", ["rabbitmq-server", "-detached"], env=self.environment)
        try:  # the node writes its pid file once it runs, then boots
            self.ctl("wait", str(pid_file), "--timeout", "60", timeout=90)
        except CommandFailed as error:
            raise CommandFailed(f"{error}\n{self.log()}") from None

    def stop_app(self) -> None:
        """Stop RabbitMQ inside the node: every connection is closed; durable queues and their
        persistent messages stay."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        """Start RabbitMQ again inside the node; return once it accepts connections."""
        self.ctl("start_app")
        try:
            self.ctl("await_startup", "--timeout", "60", timeout=90)
        except CommandFailed as error:
            raise CommandFailed(f"{error}\n{self.log()}") from None

    def kill(self) -> None:
        """SIGKILL the node's Erlang VM, as a crash would."""
        pid = self.pid()
        if pid is None:
            raise CommandFailed(f"{self.node} has no pid file")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_gone(pid)

    def restart(self) -> None:
        """Kill the node and boot it again on the same data."""
        self.kill()
        self.start()

    def queues(self) -> dict[str, tuple[int, int]]:
        """Queue name → (messages ready, messages unacknowledged)."""
        listed = self.ctl(
            "list_queues", "--quiet", "--no-table-headers",
            "name", "messages_ready", "messages_unacknowledged",
        )  # fmt: skip
        found: dict[str, tuple[int, int]] = {}
        for line in listed.splitlines():
            if line.strip():
                name, ready, unacked = line.rsplit("\t", 2)
                found[name] = (int(ready), int(unacked))
        return found

    def pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int(self._pid_file().read_text().strip())
        return None

    def stop(self) -> None:
        """Stop the node; kill it if it will not stop."""
        with contextlib.suppress(CommandFailed):
            self.ctl("stop", timeout=60)
        pid = self.pid()
        if pid is not None and alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid)

    def close(self) -> None:
        """Stop the node and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _pid_file(self) -> Path:
        return self.dir / "mnesia" / f"{self.node}.pid"
