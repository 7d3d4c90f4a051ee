"""Events for subscribers (CONTRACT §4): CloudEvents 1.0 envelopes in structured mode.

An event's id and body are fixed when it is written to the outbox, so a re-published event is
byte-for-byte the same and subscribers can drop duplicates by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import orjson
import uuid_utils.compat as uuid7

CONTENT_TYPE = "application/cloudevents+json"
SOURCE = "deployq"

FLOW_RUN_CREATED = "deployq.flow_run.created"
FLOW_RUN_DELETED = "deployq.flow_run.deleted"
DEPLOYMENT_CREATED = "deployq.deployment.created"
DEPLOYMENT_UPDATED = "deployq.deployment.updated"
DEPLOYMENT_DELETED = "deployq.deployment.deleted"


@dataclass(frozen=True, slots=True)
class Event:
    id: UUID
    routing_key: str
    type: str
    body: bytes


def event(type_: str, routing_key: str, subject: str, data: bytes, *, time: datetime) -> Event:
    """`data` is the JSON of the payload, embedded as is."""
    event_id = uuid7.uuid7()
    body = orjson.dumps(
        {
            "specversion": "1.0",
            "id": str(event_id),
            "source": SOURCE,
            "type": type_,
            "subject": subject,
            "time": time,
            "datacontenttype": "application/json",
            "data": orjson.Fragment(data),
        },
        option=orjson.OPT_UTC_Z,
    )
    return Event(event_id, routing_key, type_, body)


def flow_run_created(
    deployment_id: UUID | str, run_id: UUID | str, data: bytes, *, time: datetime
) -> Event:
    return event(
        FLOW_RUN_CREATED, f"flow_run.created.{deployment_id}", str(run_id), data, time=time
    )


def _driver_uuid(value: object) -> str:
    """asyncpg returns its own UUID subclass, which orjson refuses; write it as a UUID."""
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def flow_run_deleted(
    deployment_id: UUID, run_id: UUID, scheduled_time: datetime | None, *, time: datetime
) -> Event:
    data = orjson.dumps(
        {"id": run_id, "deployment_id": deployment_id, "scheduled_time": scheduled_time},
        default=_driver_uuid,
        option=orjson.OPT_UTC_Z,
    )
    return event(
        FLOW_RUN_DELETED, f"flow_run.deleted.{deployment_id}", str(run_id), data, time=time
    )


def deployment_changed(type_: str, deployment_id: UUID, data: bytes, *, time: datetime) -> Event:
    routing_key = type_.removeprefix("deployq.")
    return event(type_, routing_key, str(deployment_id), data, time=time)
