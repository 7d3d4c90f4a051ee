"""Input at the edges of CONTRACT §3 over the wire: validation details, deadlines, content types,
a body at the limit; each handled as the contract says, and the worker keeps answering."""

from __future__ import annotations

import pytest

from tests.e2e.bad_input import LIMIT, future, past
from tests.e2e.wire import NO_CONTENT_TYPE, Wire, ping
from tests.support import ok, refused, unique


async def test_unknown_field_details_name_each_problem(wire: Wire) -> None:
    body = {"id": "not-a-uuid", "idd": 1}

    failure = refused(await wire.call("deployment.read", body), "validation_error")

    for detail in failure["details"]:
        assert set(detail) == {"loc", "msg", "type"}, detail
        assert isinstance(detail["msg"], str)
        assert detail["msg"]
    by_loc = {tuple(d["loc"]): d["type"] for d in failure["details"]}
    assert by_loc == {("idd",): "extra_forbidden", ("id",): "uuid_parsing"}
    await ping(wire)


async def test_missing_required_field_is_a_validation_error(wire: Wire) -> None:
    failure = refused(await wire.write("deployment.create", {"name": "x"}), "validation_error")

    assert failure["details"]
    assert all(set(d) == {"loc", "msg", "type"} for d in failure["details"])
    await ping(wire)


async def test_expired_write_is_not_applied(wire: Wire) -> None:
    name = unique("flow")

    reply = await wire.write("flow.create", {"name": name}, headers={"deadline": past()})

    refused(reply, "expired")
    refused(await wire.call("flow.read", {"name": name}), "not_found")
    await ping(wire)


@pytest.mark.parametrize(
    "deadline",
    [future(), "2999-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00"],
    ids=["isoformat", "Z suffix", "offset"],
)
async def test_deadline_still_ahead_is_handled(wire: Wire, deadline: str) -> None:
    name = unique("flow")

    created = ok(await wire.write("flow.create", {"name": name}, headers={"deadline": deadline}))

    assert created["name"] == name


async def test_deadline_with_lower_case_t_and_z_is_rfc3339(wire: Wire) -> None:
    pong = ok(await wire.call("system.ping", {}, headers={"deadline": "2999-01-01t00:00:00z"}))

    assert pong["version"]


@pytest.mark.parametrize(
    "content_type",
    [NO_CONTENT_TYPE, "application/json; charset=utf-8", "Application/JSON"],
    ids=["missing", "with charset", "mixed case"],
)
async def test_json_content_types_are_accepted(wire: Wire, content_type: str) -> None:
    pong = ok(await wire.call("system.ping", b"{}", content_type=content_type))

    assert pong["version"]


async def test_type_equal_to_routing_key_is_accepted(wire: Wire) -> None:
    pong = ok(await wire.call("system.ping", {}, type="system.ping"))

    assert pong["version"]


async def test_body_at_the_limit_is_read(wire: Wire) -> None:
    name = unique("flow")
    prefix, suffix = b'{"name": "' + name.encode() + b'", "tags": ["', b'"]}'
    filler = b"x" * (LIMIT - len(prefix) - len(suffix))
    body = prefix + filler + suffix
    assert len(body) == LIMIT

    created = ok(await wire.write("flow.create", body))

    assert created["name"] == name
    assert len(created["tags"][0]) == len(filler)
