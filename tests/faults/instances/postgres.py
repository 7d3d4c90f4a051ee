"""A PostgreSQL cluster of our own, to restart and kill without touching the machine's server."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from pathlib import Path

from tests.faults.instances.common import (
    CommandFailed,
    Instance,
    Unavailable,
    free_port,
    need,
    private_dir,
    run_as,
    tail,
    wait_gone,
)

POSTGRES_ROOT = Path("/usr/lib/postgresql")  # one directory per installed major version


class PostgresCluster(Instance):
    """A cluster on 127.0.0.1:`port` with trust authentication for `postgres`, its data, socket
    and log in one directory owned by `postgres`. It runs with `fsync=off`: it lives for one
    test, and a server crash (not an OS crash) loses nothing even so."""

    def __init__(
        self,
        *,
        port: int | None = None,
        base: Path | None = None,
        version: str | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.bin = server_binaries(version)
        need("postgres", str(self.bin / "pg_ctl"), str(self.bin / "initdb"))
        self.port = port or free_port()
        self.dir = private_dir("dqpostgres-", "postgres", base)
        self.data = self.dir / "data"
        self.settings = settings or {}  # server settings, e.g. ssl and its files

    @property
    def url(self) -> str:
        """The `postgres` database, with the driver deployq uses."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def log(self, lines: int = 40) -> str:
        return tail(self.dir / "log", lines)

    def pg_ctl(self, *arguments: str, timeout: float = 60) -> str:
        """`pg_ctl` on this cluster, as `postgres`, waiting for the operation to finish."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        argv = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log")]
        try:
            return run_as("postgres", [*argv, "-o", options, "-w", *arguments], timeout=timeout)
        except CommandFailed as error:
            raise CommandFailed(f"{error}\n{self.log()}") from None

    def start(self) -> None:
        """Create the cluster if need be and start it; return once it accepts connections."""
        if not self.data.exists():
            initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust"]
            run_as("postgres", [*initdb, "-U", "postgres", "--no-sync"], timeout=120)
        self.pg_ctl("start")

    def restart(self, mode: str = "fast") -> None:
        """Restart the server: `fast` rolls back open transactions, `immediate` is a crash."""
        self.pg_ctl("restart", "-m", mode)

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode)

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would; its backends end with it."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid)

    def pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def close(self) -> None:
        """Stop the server (killing it if it will not stop) and remove its directory."""
        try:
            if self.pid() is not None:
                with contextlib.suppress(CommandFailed):
                    self.stop("immediate")
                self.kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def server_binaries(version: str | None = None) -> Path:
    """The `bin` directory of the newest installed server, or of `version`."""
    found = sorted(
        (p for p in POSTGRES_ROOT.glob("*") if (p / "bin" / "pg_ctl").exists()),
        key=lambda p: [int(n) for n in p.name.split(".") if n.isdigit()],
    )
    if version is not None:
        found = [p for p in found if p.name == version]
    if not found:
        raise Unavailable(f"no PostgreSQL server under {POSTGRES_ROOT}")
    return found[-1] / "bin"
