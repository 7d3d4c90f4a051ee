"""Whether a process is ready for work (CONTRACT §9, `/readyz`): each part that needs the
broker registers here and reports when it is connected (and, for a worker, consuming)."""

from __future__ import annotations


class Readiness:
    def __init__(self) -> None:
        self._parts: dict[str, bool] = {}

    def need(self, part: str) -> None:
        """`part` must be up before the process is ready."""
        self._parts.setdefault(part, False)

    def up(self, part: str) -> None:
        self._parts[part] = True

    def down(self, part: str) -> None:
        self._parts[part] = False

    def problems(self) -> list[str]:
        """What is not ready yet, by part; empty when every part is up."""
        return [f"{part} is not connected" for part, ok in self._parts.items() if not ok]
