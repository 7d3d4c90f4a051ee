"""The schedule commands over AMQP refused (CONTRACT §3): `not_found` for an unknown deployment
or another deployment's schedule, `conflict` for a slug clash, with nothing changed."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.schedules import CRON, RRULE, new_deployment, read_schedules
from tests.e2e.wire import Wire
from tests.support import ok, refused


async def test_an_unknown_deployment_is_not_found_for_every_command(wire: Wire) -> None:
    missing = str(uuid.uuid4())
    schedule_id = str(uuid.uuid4())
    one = {"deployment_id": missing, "schedule_id": schedule_id}
    writes: list[tuple[str, dict[str, Any]]] = [
        (
            "deployment.schedules.create",
            {"deployment_id": missing, "schedules": [{"schedule": CRON}]},
        ),
        ("deployment.schedules.update", {**one, "active": False}),
        ("deployment.schedules.delete", one),
        ("deployment.schedules.delete_all", {"deployment_id": missing}),
    ]

    for command, body in writes:
        failure = refused(await wire.write(command, body), "not_found")
        assert missing in failure["message"], (command, failure)
    failure = refused(
        await wire.call("deployment.schedules.read", {"deployment_id": missing}), "not_found"
    )
    assert missing in failure["message"]


async def test_a_schedule_of_another_deployment_is_not_found(
    wire: Wire, flow: dict[str, Any]
) -> None:
    mine = await new_deployment(wire, flow, schedules=[{"schedule": CRON}])
    theirs = await new_deployment(wire, flow, schedules=[{"schedule": RRULE, "slug": "t"}])
    address = {"deployment_id": mine["id"], "schedule_id": theirs["schedules"][0]["id"]}

    update = await wire.write("deployment.schedules.update", {**address, "active": False})
    delete = await wire.write("deployment.schedules.delete", address)
    unknown = await wire.write(
        "deployment.schedules.delete", {**address, "schedule_id": str(uuid.uuid4())}
    )

    for reply in (update, delete, unknown):
        refused(reply, "not_found")
    assert await read_schedules(wire, theirs["id"]) == theirs["schedules"]
    assert await read_schedules(wire, mine["id"]) == mine["schedules"]


async def test_slug_clashes_are_conflicts_and_change_nothing(
    wire: Wire, flow: dict[str, Any]
) -> None:
    dep = await new_deployment(
        wire, flow, schedules=[{"schedule": CRON, "slug": "a"}, {"schedule": RRULE, "slug": "b"}]
    )
    create = "deployment.schedules.create"

    taken = await wire.write(
        create,
        {
            "deployment_id": dep["id"],
            "schedules": [{"schedule": CRON}, {"schedule": CRON, "slug": "a"}],
        },
    )
    twice = await wire.write(
        create,
        {
            "deployment_id": dep["id"],
            "schedules": [{"schedule": CRON, "slug": "c"}, {"schedule": RRULE, "slug": "c"}],
        },
    )
    renamed = await wire.write(
        "deployment.schedules.update",
        {"deployment_id": dep["id"], "schedule_id": dep["schedules"][1]["id"], "slug": "a"},
    )

    for reply in (taken, twice, renamed):
        refused(reply, "conflict")
    assert await read_schedules(wire, dep["id"]) == dep["schedules"]
    stored = ok(await wire.call("deployment.read", {"id": dep["id"]}))
    assert stored["updated"] == dep["updated"]
