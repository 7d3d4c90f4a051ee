"""docs/asyncapi.yaml: up to date with the wire models, shaped as AsyncAPI 3.0 asks, every
command, reply, event and the dead letters in it, and its schemas usable as JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from typer.testing import CliRunner

from deployq.cli import app
from deployq.consumers.asyncapi import render
from deployq.handlers import COMMANDS
from deployq.messages import events
from deployq.messages.replies import ERRORS

FILE = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
OPERATION_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
COMPONENT_KEY = re.compile(r"^[A-Za-z0-9.\-_]+$")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(FILE.read_text())
    return loaded


def test_the_file_is_what_deployq_asyncapi_writes() -> None:
    assert FILE.read_text() == render(), "docs/asyncapi.yaml is out of date: run deployq asyncapi"


def refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        assert part in node, f"{ref}: no {part!r}"
        node = node[part]
    return node


def test_the_document_has_the_keys_asyncapi_3_requires(doc: dict[str, Any]) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] == "deployq"
    assert doc["info"]["version"]
    for channel in doc["channels"].values():
        assert "address" in channel
        assert channel["messages"]
    for operation_id, operation in doc["operations"].items():
        assert OPERATION_ID.match(operation_id), operation_id
        assert operation["action"] in ("send", "receive")
        assert operation["channel"]["$ref"].startswith("#/channels/")
        channel = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), (operation_id, message)
    for kind in ("schemas", "messages", "parameters"):
        for key in doc["components"][kind]:
            assert COMPONENT_KEY.match(key), key


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    found = list(refs(doc))

    assert len(found) > 100
    for ref in found:
        resolve(doc, ref)


def test_every_command_its_reply_every_event_and_the_dead_letters_are_in_it(
    doc: dict[str, Any],
) -> None:
    messages = doc["components"]["messages"]
    types = {v for k, v in vars(events).items() if k.isupper() and str(v).startswith("deployq.")}

    for name, model in COMMANDS.items():
        assert name in doc["channels"]["commands"]["messages"]
        operation = doc["operations"][name.replace(".", "-")]
        assert operation["action"] == "receive"
        assert operation["reply"]["messages"] == [
            {"$ref": f"#/channels/replies/messages/{name}.reply"}
        ]
        headers = messages[name]["headers"]
        assert ("message_id" in headers.get("required", [])) is model.writes
    assert set(doc["channels"]["events"]["messages"]) == types
    assert doc["channels"]["deadLetters"]["address"] == "{namespace}.commands.dead"
    error = doc["components"]["schemas"]["ErrorReply"]["properties"]["error"]
    assert set(error["properties"]["code"]["enum"]) == set(ERRORS)


def validator(doc: dict[str, Any], pointer: str) -> jsonschema.Draft202012Validator:
    """A validator for the schema at `pointer`, its references resolved in the document."""
    registry: Registry[Any] = Registry().with_resource(
        "urn:deployq:asyncapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"urn:deployq:asyncapi{pointer}"}
    return jsonschema.Draft202012Validator(schema, registry=registry)


def test_component_schemas_are_json_schemas(doc: dict[str, Any]) -> None:
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_schemas_accept_good_messages_and_refuse_bad_ones(doc: dict[str, Any]) -> None:
    body = validator(doc, "#/components/messages/flow.create/payload")
    reply = validator(doc, "#/components/messages/flow.create.reply/payload")
    flow = {
        "id": "7c0d3a0e-8a39-4f5e-9a59-8b1f0e0b3c11",
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "name": "etl",
        "tags": [],
        "labels": {},
    }
    refusal = {"code": "not_found", "message": "no such flow", "details": []}

    assert body.is_valid({"name": "etl", "tags": ["a"]})
    assert not body.is_valid({"name": "etl", "colour": "red"})
    assert not body.is_valid({})
    assert reply.is_valid({"ok": True, "result": flow})
    assert reply.is_valid({"ok": False, "error": refusal})
    assert not reply.is_valid({"ok": False, "error": {**refusal, "code": "oops"}})


def test_deployq_asyncapi_writes_the_file_and_checks_it(tmp_path: Path) -> None:
    target = tmp_path / "asyncapi.yaml"
    runner = CliRunner()

    written = runner.invoke(app, ["asyncapi", "--output", str(target)])
    current = runner.invoke(app, ["asyncapi", "--output", str(target), "--check"])
    target.write_text(target.read_text().replace("3.0.0", "2.6.0"))
    stale = runner.invoke(app, ["asyncapi", "--output", str(target), "--check"])

    assert written.exit_code == 0, written.output
    assert current.exit_code == 0, current.output
    assert stale.exit_code == 1
    assert "out of date" in stale.output
