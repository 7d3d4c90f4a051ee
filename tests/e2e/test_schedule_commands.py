"""The schedule commands over AMQP (CONTRACT §2–3, R61–R65): each one's ok reply, its
`not_found` and `conflict` replies, and schedule validation errors wherever a schedule is sent
(`deployment.schedules.create|update`, `deployment.create`, `deployment.update`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deployq.settings import Settings
from tests.e2e.wire import Wire, check_reply
from tests.support import ok, refused, unique
from tests.workers import running_worker

# CONTRACT §2: a DeploymentSchedule has at least these fields.
SCHEDULE_FIELDS = {
    "id",
    "created",
    "updated",
    "deployment_id",
    "schedule",
    "active",
    "max_scheduled_runs",
    "parameters",
    "slug",
}
CRON = {"cron": "0 9 * * 1-5"}
RRULE = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}


async def new_deployment(wire: Wire, flow: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"flow_name": flow["name"], "name": unique("dep"), **fields}
    created: dict[str, Any] = ok(await wire.write("deployment.create", body))
    return created


async def read_schedules(
    wire: Wire, deployment_id: str, filter: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"deployment_id": deployment_id}
    if filter is not None:
        body["filter"] = filter
    schedules: list[dict[str, Any]] = ok(await wire.call("deployment.schedules.read", body))
    return schedules


def utc(text: str) -> datetime:
    """A reply timestamp: RFC 3339 in UTC, written with `Z`."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def resendable(schedule: dict[str, Any]) -> dict[str, Any]:
    """A schedule as read, minus what a client cannot send back."""
    body = {k: v for k, v in schedule.items() if k not in {"id", "created", "updated"}}
    return {**body, "schedule_id": schedule["id"]}


# --- ok replies -----------------------------------------------------------------------------


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


# --- not_found and conflict -----------------------------------------------------------------


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


# --- validation errors ----------------------------------------------------------------------


def long_rrule(length: int) -> str:
    """A usable rule of exactly `length` characters (many EXDATEs; INTERVAL padded with 0s)."""
    head = "DTSTART:20200101T090000\nRRULE:FREQ=DAILY;INTERVAL="
    days = [date(2020, 1, 2) + timedelta(days=k) for k in range(380)]
    tail = "\nEXDATE:" + ",".join(f"{d:%Y%m%d}T090000" for d in days)
    text = head + "0" * (length - len(head) - len(tail) - 1) + "1" + tail
    assert len(text) == length
    return text


# (schedule, the field the details must name, words the message of that detail must carry)
INVALID = [
    pytest.param({"interval": 0}, "interval", "interval must be positive", id="interval-0"),
    pytest.param({"interval": -60}, "interval", "interval must be positive", id="interval-neg"),
    pytest.param({"cron": "every day"}, "cron", "Invalid cron string", id="cron-text"),
    pytest.param({"cron": "61 * * * *"}, "cron", "Invalid cron string", id="cron-minute-61"),
    pytest.param(
        {"cron": "R * * * *"}, "cron", "Random and Hashed expressions are unsupported", id="cron-R"
    ),
    pytest.param(
        {"cron": "0 H * * *"}, "cron", "Random and Hashed expressions are unsupported", id="cron-H"
    ),
    pytest.param({"rrule": "FREQ=FORTNIGHTLY"}, "rrule", "FORTNIGHTLY", id="rrule-unparseable"),
    pytest.param({"rrule": long_rrule(6501)}, "rrule", "6500", id="rrule-6501-characters"),
    pytest.param(
        {**CRON, "timezone": "Mars/Olympus_Mons"}, "timezone", "Mars/Olympus_Mons", id="tz-unknown"
    ),
    pytest.param({"interval": 60, "timezone": "-04:00"}, "timezone", "-04:00", id="tz-offset"),
    pytest.param({**RRULE, "timezone": "+02:00"}, "timezone", "+02:00", id="tz-offset-rrule"),
    pytest.param(
        {**CRON, "colour": "blue"}, "colour", "Extra inputs are not permitted", id="extra"
    ),
]

Context = Callable[[dict[str, Any]], tuple[str, dict[str, Any], list[Any]]]


def in_schedules_create(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"deployment_id": str(uuid.uuid4()), "schedules": [{"schedule": schedule}]}
    return "deployment.schedules.create", body, ["schedules", 0, "schedule"]


def in_schedules_update(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {
        "deployment_id": str(uuid.uuid4()),
        "schedule_id": str(uuid.uuid4()),
        "schedule": schedule,
    }
    return "deployment.schedules.update", body, ["schedule"]


def in_deployment_create(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"flow_name": unique("flow"), "name": "d", "schedules": [{"schedule": schedule}]}
    return "deployment.create", body, ["schedules", 0, "schedule"]


def in_deployment_update(schedule: dict[str, Any]) -> tuple[str, dict[str, Any], list[Any]]:
    body = {"id": str(uuid.uuid4()), "schedules": [{"slug": "s", "schedule": schedule}]}
    return "deployment.update", body, ["schedules", 0, "schedule"]


CONTEXTS = [
    pytest.param(in_schedules_create, id="schedules.create"),
    pytest.param(in_schedules_update, id="schedules.update"),
    pytest.param(in_deployment_create, id="deployment.create"),
    pytest.param(in_deployment_update, id="deployment.update"),
]


def details_under(failure: dict[str, Any], prefix: list[Any]) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = failure["details"]
    assert details, failure
    for detail in details:
        assert set(detail) == {"loc", "msg", "type"}, detail
        assert detail["loc"][: len(prefix)] == prefix, detail
    return details


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize(("schedule", "field", "reason"), INVALID)
async def test_an_invalid_schedule_is_a_validation_error_naming_the_field(
    wire: Wire, context: Context, schedule: dict[str, Any], field: str, reason: str
) -> None:
    command, body, prefix = context(schedule)

    failure = refused(await wire.write(command, body), "validation_error")

    details = details_under(failure, prefix)
    named = [d for d in details if d["loc"][-1] == field and reason in d["msg"]]
    assert named, details


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("schedule", [{}, {"every": 60}, {"interval": "hourly"}])
async def test_a_schedule_of_no_kind_is_a_validation_error(
    wire: Wire, context: Context, schedule: dict[str, Any]
) -> None:
    command, body, prefix = context(schedule)

    failure = refused(await wire.write(command, body), "validation_error")

    assert details_under(failure, prefix)


@pytest.mark.parametrize("context", CONTEXTS)
async def test_the_longest_rrule_allowed_is_not_refused_for_its_length(
    wire: Wire, context: Context
) -> None:
    command, body, _ = context({"rrule": long_rrule(6500)})

    reply = await wire.write(command, body)

    if not reply["ok"]:  # a valid body goes on to the handler, which finds nothing
        assert reply["error"]["code"] == "not_found", reply


# --- product bugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [1e15, 1e20])
async def test_a_huge_interval_is_a_validation_error(
    wire: Wire, settings: Settings, seconds: float
) -> None:
    # Its own worker and namespace: today the message stays unacknowledged in the worker that
    # took it, which must not be the session's.
    own = settings.model_copy(
        update={"namespace": f"{settings.namespace}-huge-{uuid.uuid4().hex[:6]}"}
    )
    body = {
        "deployment_id": str(uuid.uuid4()),
        "schedules": [{"schedule": {"interval": seconds}}],
    }
    try:
        async with running_worker(own):
            await wire.watch_dead_letters(own.namespace)
            correlation_id = await wire.publish(
                "deployment.schedules.create",
                body,
                message_id=uuid.uuid4().hex,
                namespace=own.namespace,
            )
            message = await wire.reply(correlation_id, within=5)
            reply = check_reply(
                message, command="deployment.schedules.create", correlation_id=correlation_id
            )
    finally:
        await wire.delete_namespace(own.namespace)

    failure = refused(reply, "validation_error")
    assert any(d["loc"][-1] == "interval" for d in failure["details"]), failure


async def test_an_invalid_interval_reports_only_its_own_problem(wire: Wire) -> None:
    command, body, prefix = in_schedules_create({"interval": 0, "timezone": "UTC"})

    failure = refused(await wire.write(command, body), "validation_error")

    details = details_under(failure, prefix)
    assert len(details) == 1, details
    [detail] = details
    assert detail["loc"][-1] == "interval"
    assert "interval must be positive" in detail["msg"]
    assert not {"IntervalSchedule", "CronSchedule", "RRuleSchedule"} & set(detail["loc"])
