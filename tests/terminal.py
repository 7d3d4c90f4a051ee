"""Running the `deployq` command as a user does: a child process, its exit code and output."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from deployq.settings import Settings
from tests.workers import environment


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """The lines on stderr."""
        return self.err.splitlines()


async def deployq(settings: Settings, *arguments: str, timeout: float = 60, **env: str) -> Done:
    """`python -m deployq <arguments>` pointed at `settings`, with `env` on top."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deployq", *arguments,
        env=environment(settings, **env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Done(process.returncode, out.decode(), err.decode())
