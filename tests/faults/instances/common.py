"""What both kinds of private instance share: running commands as the server's user, a private
directory, free ports, waiting for a killed process, and context management (sync or async)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self


class Unavailable(RuntimeError):
    """This machine cannot run a private instance (and why)."""


class CommandFailed(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def need(user: str, *binaries: str) -> None:
    """Raise `Unavailable` unless `user` exists, we are root, and every binary is there."""
    if os.geteuid() != 0:
        raise Unavailable("private instances are started as their own users, which needs root")
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise Unavailable(f"no {user!r} user on this machine") from None
    for binary in ("runuser", *binaries):
        if not (shutil.which(binary) or os.access(binary, os.X_OK)):
            raise Unavailable(f"{binary} is not installed")


def run_as(
    user: str, argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 60
) -> str:
    """Run `argv` as `user` (with `env` added); its output, or CommandFailed with all it said."""
    assignments = [f"{key}={value}" for key, value in (env or {}).items()]
    command = ["runuser", "-u", user, "--", *(["env", *assignments] if env else []), *argv]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd="/"
        )
    except subprocess.TimeoutExpired as error:
        raise CommandFailed(f"{' '.join(argv)} took more than {timeout}s") from error
    if done.returncode != 0:
        said = f"{done.stdout}{done.stderr}".strip()
        raise CommandFailed(f"{' '.join(argv)} exited {done.returncode}: {said}")
    return done.stdout


def private_dir(prefix: str, owner: str, base: Path | None = None) -> Path:
    """A fresh directory owned by `owner` (under `base`, or the system's temporary directory)."""
    made = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    shutil.chown(made, owner, owner)
    return made


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log, or nothing when there is none yet."""
    with contextlib.suppress(OSError):
        return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])
    return ""


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def wait_gone(pid: int, timeout: float = 30) -> None:
    """Block until `pid` has ended. A server's exit is its parent's to reap, not ours, so the
    only way to wait for it is to look again after a short pause."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            raise CommandFailed(f"process {pid} still runs {timeout}s after it was stopped")
        time.sleep(0.05)


class Instance:
    """A server of our own: `start` boots it, `close` stops it and removes its files, even when
    `start` failed half-way."""

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.__enter__)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.close)
