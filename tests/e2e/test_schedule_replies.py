"""The schedule commands over AMQP (CONTRACT §2–3, R61–R65): each one's ok reply, and schedules
read back and sent again changing nothing but `updated`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.schedules import (
    CRON,
    RRULE,
    SCHEDULE_FIELDS,
    new_deployment,
    read_schedules,
    resendable,
    utc,
)
from tests.e2e.wire import Wire
from tests.support import ok


async def test_create_replies_with_the_schedules_resolved(wire: Wire, flow: dict[str, Any]) -> None:
    dep = await new_deployment(wire, flow)
    before = datetime.now(UTC)

    created = ok(
        await wire.write(
            "deployment.schedules.create",
            {
                "deployment_id": dep["id"],
                "schedules": [
                    {
                        "schedule": {"interval": 3600, "timezone": "America/New_York"},
                        "slug": "hourly",
                        "parameters": {"x": 1},
                        "max_scheduled_runs": 10,
                    },
                    {"schedule": CRON, "active": False},
                    {"schedule": RRULE},
                ],
            },
        )
    )

    assert isinstance(created, list)
    assert len(created) == 3
    for schedule in created:
        assert set(schedule) >= SCHEDULE_FIELDS
        uuid.UUID(schedule["id"])
        assert schedule["deployment_id"] == dep["id"]
        assert schedule["created"] == schedule["updated"]
        assert utc(schedule["created"]) >= before - timedelta(seconds=5)
    hourly, cron, rrule = created
    assert (hourly["slug"], hourly["parameters"], hourly["max_scheduled_runs"]) == (
        "hourly",
        {"x": 1},
        10,
    )
    assert hourly["active"] is True
    assert (cron["slug"], cron["parameters"], cron["max_scheduled_runs"]) == (None, {}, None)
    assert cron["active"] is False
    # Resolved (CONTRACT §2): every field present, the anchor shown in the schedule's zone.
    assert set(hourly["schedule"]) == {"interval", "anchor_date", "timezone"}
    assert hourly["schedule"]["interval"] == 3600
    assert hourly["schedule"]["timezone"] == "America/New_York"
    anchor = datetime.fromisoformat(hourly["schedule"]["anchor_date"])
    assert anchor == utc(hourly["created"])  # "now" of the command, microseconds kept
    assert anchor.utcoffset() == anchor.astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert cron["schedule"] == {**CRON, "timezone": "UTC", "day_or": True}
    assert rrule["schedule"] == {**RRULE, "timezone": "UTC"}
    assert sorted(await read_schedules(wire, dep["id"]), key=lambda s: s["id"]) == sorted(
        created, key=lambda s: s["id"]
    )


async def test_read_replies_most_recently_updated_first_with_the_active_filter(
    wire: Wire, flow: dict[str, Any]
) -> None:
    dep = await new_deployment(wire, flow, schedules=[{"schedule": CRON, "slug": "first"}])
    await wire.write(
        "deployment.schedules.create",
        {"deployment_id": dep["id"], "schedules": [{"schedule": RRULE, "slug": "second"}]},
    )
    both = await read_schedules(wire, dep["id"])
    assert [s["slug"] for s in both] == ["second", "first"]

    body = {"deployment_id": dep["id"], "schedule_id": both[1]["id"], "active": False}
    assert ok(await wire.write("deployment.schedules.update", body)) == {"updated": True}

    assert [s["slug"] for s in await read_schedules(wire, dep["id"])] == ["first", "second"]
    active = {"active": {"eq_": True}}
    inactive = {"active": {"eq_": False}}
    assert [s["slug"] for s in await read_schedules(wire, dep["id"], active)] == ["second"]
    assert [s["slug"] for s in await read_schedules(wire, dep["id"], inactive)] == ["first"]


async def test_update_replies_updated_true_and_changes_only_what_was_given(
    wire: Wire, flow: dict[str, Any]
) -> None:
    dep = await new_deployment(
        wire, flow, schedules=[{"schedule": CRON, "slug": "s", "parameters": {"a": 1}}]
    )
    [before] = dep["schedules"]

    reply = await wire.write(
        "deployment.schedules.update",
        {
            "deployment_id": dep["id"],
            "schedule_id": before["id"],
            "schedule": {"cron": "30 6 * * *", "timezone": "Europe/Paris"},
            "parameters": None,
            "slug": None,
        },
    )

    assert ok(reply) == {"updated": True}
    [after] = await read_schedules(wire, dep["id"])
    assert after["schedule"] == {"cron": "30 6 * * *", "timezone": "Europe/Paris", "day_or": True}
    assert (after["slug"], after["parameters"]) == ("s", {"a": 1})
    assert (after["id"], after["created"]) == (before["id"], before["created"])
    assert utc(after["updated"]) > utc(before["updated"])


async def test_delete_replies_deleted_true(wire: Wire, flow: dict[str, Any]) -> None:
    dep = await new_deployment(wire, flow, schedules=[{"schedule": CRON}, {"schedule": RRULE}])
    gone, kept = dep["schedules"]

    reply = await wire.write(
        "deployment.schedules.delete", {"deployment_id": dep["id"], "schedule_id": gone["id"]}
    )

    assert ok(reply) == {"deleted": True}
    assert [s["id"] for s in await read_schedules(wire, dep["id"])] == [kept["id"]]


async def test_delete_all_replies_how_many_went(wire: Wire, flow: dict[str, Any]) -> None:
    dep = await new_deployment(
        wire, flow, schedules=[{"schedule": CRON}, {"schedule": RRULE}, {"schedule": CRON}]
    )
    body = {"deployment_id": dep["id"]}

    assert ok(await wire.write("deployment.schedules.delete_all", body)) == {"deleted": 3}
    assert ok(await wire.write("deployment.schedules.delete_all", body)) == {"deleted": 0}
    assert await read_schedules(wire, dep["id"]) == []


@pytest.mark.parametrize(
    "given",
    [
        pytest.param({"interval": 600}, id="interval-defaults"),
        pytest.param({"interval": 86400, "timezone": "America/New_York"}, id="interval-zone"),
        pytest.param(
            {
                "interval": 90.5,
                "anchor_date": "2031-11-02T06:30:00Z",
                "timezone": "America/New_York",
            },
            id="interval-anchor-in-the-repeated-hour",
        ),
        pytest.param(
            {"interval": 3600, "anchor_date": "2031-07-04T09:00:00.5-05:00"},
            id="interval-offset-only",
        ),
        pytest.param(CRON, id="cron-defaults"),
        pytest.param(
            {"cron": "0 0 8-14 * 5", "day_or": False, "timezone": "Asia/Tokyo"}, id="cron"
        ),
        pytest.param(RRULE, id="rrule-defaults"),
        pytest.param({**RRULE, "timezone": "Europe/Paris"}, id="rrule"),
    ],
)
async def test_a_schedule_read_back_and_sent_again_changes_nothing_but_updated(
    wire: Wire, flow: dict[str, Any], given: dict[str, Any]
) -> None:
    dep = await new_deployment(
        wire, flow, schedules=[{"schedule": given, "slug": "s", "parameters": {"p": [1]}}]
    )
    [before] = await read_schedules(wire, dep["id"])

    reply = await wire.write("deployment.schedules.update", resendable(before))

    assert ok(reply) == {"updated": True}
    [after] = await read_schedules(wire, dep["id"])
    assert {**after, "updated": None} == {**before, "updated": None}
    assert utc(after["updated"]) >= utc(before["updated"])


async def test_schedules_read_back_and_sent_again_in_deployment_update_keep_their_ids(
    wire: Wire, flow: dict[str, Any]
) -> None:
    given = [
        {"schedule": {"interval": 600, "timezone": "Europe/Paris"}, "slug": "a"},
        {"schedule": CRON, "slug": "b", "active": False},
        {"schedule": RRULE, "slug": "c", "parameters": {"p": 1}},
    ]
    dep = await new_deployment(wire, flow, schedules=given)
    before = await read_schedules(wire, dep["id"])
    sent = [
        {k: v for k, v in s.items() if k not in {"id", "created", "updated", "deployment_id"}}
        for s in before
    ]

    updated = ok(await wire.write("deployment.update", {"id": dep["id"], "schedules": sent}))

    after = await read_schedules(wire, dep["id"])
    assert sorted(s["id"] for s in updated["schedules"]) == sorted(s["id"] for s in before)
    unchanged = {"id", "created", "deployment_id", "schedule", "active", "parameters", "slug"}
    assert sorted(({k: s[k] for k in unchanged} for s in after), key=lambda s: s["slug"]) == [
        {k: s[k] for k in unchanged} for s in sorted(before, key=lambda s: s["slug"])
    ]
