"""Every command with one field mutated at a time: a valid example body per command (the unit
tests' own), one of its fields — nested ones too, or a field of the model the example leaves out —
set to an odd value or removed. Examples address real rows where that is harmless, so mutations
reach the handlers and the database rather than stopping at `not_found`."""

from __future__ import annotations

import random
from typing import Any

import orjson

from deployq.handlers import COMMANDS
from tests.faults.fuzz_case import ODD_VALUES, Case, Raw, deep, encode
from tests.unit.messages.test_commands import EXAMPLES, ID, OTHER

# Commands whose example, pointed at the real deployment or pool, would delete it.
DESTRUCTIVE = {
    "deployment.delete",
    "deployment.schedules.delete",
    "deployment.schedules.delete_all",
    "work_pool.delete",
    "work_queue.delete",
}
Path = tuple[str | int, ...]
REMOVED = object()  # a mutation that leaves the field out


def examples(deployment_id: str, schedule_id: str) -> dict[str, dict[str, Any]]:
    """The examples, their ids those of a real deployment and schedule unless destructive."""
    found: dict[str, dict[str, Any]] = {}
    for command, body in EXAMPLES.items():
        text = orjson.dumps(body).decode()
        if command not in DESTRUCTIVE:
            text = text.replace(ID, deployment_id).replace(OTHER, schedule_id)
        found[command] = orjson.loads(text)
    return found


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place in a body a value sits: object members and list items, at any depth."""
    found: list[Path] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, inner in items:
        found.append((*prefix, key))
        found.extend(paths(inner, (*prefix, key)))
    return found


def replaced(body: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at `path` (removed when `value` is `REMOVED`)."""
    copy: dict[str, Any] = orjson.loads(orjson.dumps(body))
    holder: Any = copy
    for key in path[:-1]:
        holder = holder[key]
    if value is REMOVED:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return copy


def describe(value: Any) -> str:
    if value is REMOVED:
        return "<removed>"
    if isinstance(value, Raw):
        return value.text[:12].decode(errors="replace") + ("…" if len(value.text) > 12 else "")
    text = repr(value)
    return text[:24] + ("…" if len(text) > 24 else "")


def mutation(rng: random.Random, command: str, body: dict[str, Any]) -> Case:
    """`command`'s example with one field changed, added or removed."""
    places = paths(body)
    if rng.random() < 0.25 or not places:
        fields = list(COMMANDS[command].model_fields) or ["anything"]
        path: Path = (rng.choice(fields),)
    else:
        path = rng.choice(places)
    present = path in places
    value = REMOVED if present and rng.random() < 0.08 else rng.choice(ODD_VALUES)
    kind = f"{command} {'.'.join(map(str, path))}={describe(value)}"
    return Case(
        kind,
        command,
        encode(replaced(body, path, value)),
        reply=rng.random() < 0.9,
        message_id=f"m-{rng.getrandbits(64):016x}",
    )


def command_cases(rng: random.Random, count: int, bodies: dict[str, dict[str, Any]]) -> list[Case]:
    """`count` mutations, the commands taken in turn, then the values the issue found answered
    `internal` (so every run tries them, whatever the sample)."""
    commands = sorted(bodies)
    found = [
        mutation(rng, commands[n % len(commands)], bodies[commands[n % len(commands)]])
        for n in range(count)
    ]
    return found + known_cases(bodies)


def known_cases(bodies: dict[str, dict[str, Any]]) -> list[Case]:
    """Values the models accepted but the database or the date maths could not hold."""
    interval: Path = ("schedules", 0, "schedule", "interval")
    anchor: Path = ("schedules", 0, "schedule", "anchor_date")
    pinned: list[tuple[str, Path, Any]] = [
        ("work_pool.create", ("concurrency_limit",), 2**31),
        ("work_queue.create", ("priority",), 2**31),
        ("work_queue.create", ("concurrency_limit",), 2**63),
        ("deployment.list", ("offset",), 2**63),
        ("deployment.create", ("parameters",), deep(300, shape="object")),
        ("deployment.create", ("job_variables",), deep(600)),
        ("work_pool.create", ("base_job_template",), deep(255, shape="object")),
        ("deployment.schedule_runs", ("start_time",), "9999-12-31T23:00:00Z"),
        ("deployment.schedule_runs", ("start_time",), "0001-01-01T00:00:00Z"),
        ("deployment.schedules.create", interval, -1e20),
        ("deployment.schedules.create", interval, 1e308),
        ("deployment.schedules.create", anchor, "9999-12-31T23:59:59Z"),
        ("deployment.schedules.preview", ("start",), "8999-12-31T23:00:00Z"),
        ("deployment.schedules.preview", ("n",), 1000),
        ("deployment.backfill", ("start",), "0001-01-02T00:00:00Z"),
        ("deployment.backfill", ("end",), "9000-01-01T00:00:00Z"),
        ("deployment.drop_late_runs", ("late_after",), 100 * 365 * 86400),
        ("flow_run.create", ("scheduled_time",), "9000-01-01T00:00:00Z"),
    ]  # fmt: skip
    return [
        Case(
            f"{command} {'.'.join(map(str, path))}={describe(value)}",
            command,
            encode(replaced(bodies[command], path, value)),
            message_id=f"known-{n}",
        )
        for n, (command, path, value) in enumerate(pinned)
    ]
