"""The schemas of docs/asyncapi.yaml: the wire models' JSON Schemas (pydantic), hoisted into
`components/schemas`, and the envelopes every reply, event and dead letter shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from deployq.consumers import replies
from deployq.messages import events
from deployq.messages.deployments import Deployment
from deployq.messages.runs import FlowRun

REF_TEMPLATE = "#/components/schemas/{model}"


@dataclass(frozen=True, slots=True)
class EventDoc:
    name: str
    routing_key: str
    summary: str
    data: type[Any] | None = None
    inline: dict[str, Any] | None = None


_UUID = {"type": "string", "format": "uuid"}

# Every event type of `deployq.messages.events` (a unit test holds the two lists together).
EVENTS: tuple[EventDoc, ...] = (
    EventDoc(
        events.FLOW_RUN_CREATED,
        "flow_run.created.{deployment_id}",
        "A run was created (schedule_runs, the scheduler, and the run-creating commands).",
        data=FlowRun,
    ),
    EventDoc(
        events.FLOW_RUN_DELETED,
        "flow_run.deleted.{deployment_id}",
        "A run was removed (its deployment changed, paused or deleted, or the run deleted).",
        inline={
            "type": "object",
            "required": ["id", "deployment_id", "scheduled_time"],
            "properties": {
                "id": _UUID,
                "deployment_id": _UUID,
                "scheduled_time": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    ),
    EventDoc(
        events.DEPLOYMENT_CREATED,
        "deployment.created",
        "deployment.create made a new deployment.",
        data=Deployment,
    ),
    EventDoc(
        events.DEPLOYMENT_UPDATED,
        "deployment.updated",
        "A deployment changed: upsert, update, pause, resume, schedule changes.",
        data=Deployment,
    ),
    EventDoc(
        events.DEPLOYMENT_DELETED,
        "deployment.deleted",
        "A deployment was deleted.",
        inline={"type": "object", "required": ["id"], "properties": {"id": _UUID}},
    ),
)


def model_schemas(
    inputs: Iterable[tuple[str, JsonSchemaMode, TypeAdapter[Any]]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(key → schema, shared definitions), references pointing into components/schemas."""
    found, definitions = TypeAdapter.json_schemas(list(inputs), ref_template=REF_TEMPLATE)
    by_key = {key: schema for (key, _mode), schema in found.items()}
    return by_key, dict(definitions.get("$defs", {}))


def envelope_schemas(codes: Iterable[str]) -> dict[str, Any]:
    detail = {
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    }
    return {
        "ErrorReply": {
            "type": "object",
            "required": ["ok", "error"],
            "additionalProperties": False,
            "properties": {
                "ok": {"const": False},
                "error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"enum": list(codes)},
                        "message": {"type": "string"},
                        "details": {"type": "array", "items": detail},
                    },
                },
            },
        },
        "CloudEvent": {
            "type": "object",
            "description": "CloudEvents 1.0, structured mode; `id` is stable across re-publishes.",
            "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": _UUID,
                "source": {"const": events.SOURCE},
                "type": {"type": "string"},
                "subject": {"type": "string"},
                "time": {"type": "string", "format": "date-time"},
                "datacontenttype": {"const": "application/json"},
                "data": {},
            },
        },
        "DeadLetterHeaders": {
            "type": "object",
            "required": [replies.ERROR_CODE, replies.ERROR_MESSAGE],
            "properties": {
                replies.ERROR_CODE: {"enum": list(codes)},
                replies.ERROR_MESSAGE: {"type": "string"},
            },
        },
    }
