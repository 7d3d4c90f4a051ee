"""docs/asyncapi.yaml (AsyncAPI 3.0, CONTRACT §9), built from what the worker runs: the command
table (bodies and reply types), the topology, the event types and the reply codes. A command
added to the table appears here without another edit; `deployq asyncapi` writes the file and a
test fails when it is out of date."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import TypeAdapter

import deployq
from deployq.consumers.asyncapi_schemas import EVENTS, envelope_schemas, model_schemas
from deployq.consumers.topology import Topology
from deployq.handlers import COMMANDS
from deployq.handlers.results import result_types
from deployq.messages.replies import ERRORS

NAMESPACE = "{namespace}"
JSON = "application/json"


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(path)}


def _amqp_exchange(name: str, kind: str) -> dict[str, Any]:
    exchange = {"name": name, "type": kind, "durable": True, "autoDelete": False, "vhost": "/"}
    return {"amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": "0.3.0"}}


def _amqp_queue(name: str) -> dict[str, Any]:
    queue = {"name": name, "durable": True, "exclusive": False, "autoDelete": False, "vhost": "/"}
    return {"amqp": {"is": "queue", "queue": queue, "bindingVersion": "0.3.0"}}


def document() -> dict[str, Any]:
    """The AsyncAPI document, as plain data (the order of the command table is kept)."""
    topology = Topology(NAMESPACE)
    results = result_types()
    inputs: list[tuple[str, Any, TypeAdapter[Any]]] = []
    for name, model in COMMANDS.items():
        inputs.append((name, "validation", TypeAdapter(model)))
        inputs.append((f"{name}.reply", "serialization", TypeAdapter(results[name])))
    for event in EVENTS:
        if event.data is not None:
            inputs.append((event.name, "serialization", TypeAdapter(event.data)))
    found, schemas = model_schemas(inputs)
    schemas.update(envelope_schemas(sorted(ERRORS)))

    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for name, model in COMMANDS.items():
        messages[name] = {
            "name": name,
            "title": model.__name__,
            "summary": (model.__doc__ or name).strip().splitlines()[0],
            "contentType": JSON,
            "correlationId": {"location": "$message.header#/correlation_id"},
            "headers": _command_headers(model.writes),
            "payload": found[name],
        }
        messages[f"{name}.reply"] = {
            "name": f"{name}.reply",
            "contentType": JSON,
            "correlationId": {"location": "$message.header#/correlation_id"},
            "headers": _reply_headers(),
            "payload": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["ok", "result"],
                        "additionalProperties": False,
                        "properties": {"ok": {"const": True}, "result": found[f"{name}.reply"]},
                    },
                    _ref("components", "schemas", "ErrorReply"),
                ]
            },
        }
        operations[_operation_id(name)] = {
            "action": "receive",
            "title": name,
            "summary": "write: needs a message_id" if model.writes else "read",
            "channel": _ref("channels", "commands"),
            "messages": [_ref("channels", "commands", "messages", name)],
            "bindings": {"amqp": {"cc": [name], "deliveryMode": 2, "bindingVersion": "0.3.0"}},
            "reply": {
                "address": {"location": "$message.header#/reply_to"},
                "channel": _ref("channels", "replies"),
                "messages": [_ref("channels", "replies", "messages", f"{name}.reply")],
            },
        }
    for event in EVENTS:
        data = found.get(event.name, event.inline)
        messages[event.name] = {
            "name": event.name,
            "summary": event.summary,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {"message_id": {"type": "string", "description": "= event id"}},
            },
            "payload": {"allOf": [_ref("components", "schemas", "CloudEvent")]}
            | {"properties": {"type": {"const": event.name}, "data": data}},
        }
        operations[_operation_id(f"publish.{event.name}")] = {
            "action": "send",
            "channel": _ref("channels", "events"),
            "messages": [_ref("channels", "events", "messages", event.name)],
            "bindings": {"amqp": {"cc": [event.routing_key], "bindingVersion": "0.3.0"}},
        }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "summary": "A command that was not answered normally, its body and properties unchanged.",
        "headers": _ref("components", "schemas", "DeadLetterHeaders"),
        "payload": {"description": "the original body, as it was published"},
    }
    operations["dead-letter"] = {
        "action": "send",
        "channel": _ref("channels", "deadLetters"),
        "messages": [_ref("channels", "deadLetters", "messages", "dead_letter")],
    }

    def own(names: list[str]) -> dict[str, Any]:
        return {n: _ref("components", "messages", n) for n in names}

    parameters = {"namespace": _ref("components", "parameters", "namespace")}
    channels = {
        "commands": {
            "address": topology.commands.name,
            "title": "Commands (routing key = command name)",
            "parameters": parameters,
            "messages": own(list(COMMANDS)),
            "bindings": _amqp_exchange(topology.commands.name, "topic"),
        },
        "replies": {
            "address": None,
            "title": "Replies, to the command's reply_to (e.g. amq.rabbitmq.reply-to)",
            "messages": own([f"{n}.reply" for n in COMMANDS]),
        },
        "events": {
            "address": topology.events.name,
            "title": "Events (bind a queue of your own)",
            "parameters": parameters,
            "messages": own([e.name for e in EVENTS]),
            "bindings": _amqp_exchange(topology.events.name, "topic"),
        },
        "deadLetters": {
            "address": topology.dead_queue.name,
            "title": "Dead letters (through the fanout exchange " + topology.dead.name + ")",
            "parameters": parameters,
            "messages": own(["dead_letter"]),
            "bindings": _amqp_queue(topology.dead_queue.name),
        },
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "deployq",
            "version": deployq.__version__,
            "description": "Deployments, schedules and flow runs over RabbitMQ: the wire "
            "contract of docs/contract.md. Generated by `deployq asyncapi`; do not edit.",
        },
        "defaultContentType": JSON,
        "servers": {
            "broker": {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "description": "Set by DEPLOYQ_AMQP_URL (amqp:// or amqps://).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "parameters": {
                "namespace": {
                    "default": "deployq",
                    "description": "DEPLOYQ_NAMESPACE: the prefix of every exchange and queue.",
                }
            },
        },
    }


def _command_headers(writes: bool) -> dict[str, Any]:
    properties = {
        "message_id": {"type": "string", "description": "idempotency key (CONTRACT §6)"},
        "correlation_id": {"type": "string"},
        "reply_to": {"type": "string"},
        "deadline": {"type": "string", "format": "date-time", "description": "header"},
    }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if writes:
        schema["required"] = ["message_id"]
    return schema


def _reply_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"enum": ["ok", "error"], "description": "header"},
            "type": {"type": "string", "description": "<command>.reply"},
            "correlation_id": {"type": "string"},
        },
    }


def _operation_id(name: str) -> str:
    """Operation ids allow letters, digits, `_` and `-` only."""
    return name.replace(".", "-")


class _Dumper(yaml.SafeDumper):
    """Writes a repeated value out again instead of as a YAML alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render() -> str:
    """The file's text: stable, so a regenerated file differs only when the contract does."""
    text: str = yaml.dump(
        document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return "# Generated by `deployq asyncapi` from the wire models; do not edit.\n" + text
