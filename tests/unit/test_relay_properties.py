"""The relay publishes on the channel under aio-pika's exchange, with properties it builds
itself: they must be exactly those of the aio-pika message it used to build per event."""

from __future__ import annotations

from datetime import UTC, datetime

from deployq.messages import events
from deployq.relay.publisher import amqp_message, amqp_properties


def test_properties_are_those_of_the_message() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    event = events.flow_run_created("d-1", "r-1", b'{"id": "r-1"}', time=now)
    built = amqp_properties(event)
    # What goes on the wire: flags and every property set, byte for byte.
    assert built.marshal() == amqp_message(event).properties.marshal()
    assert (built.message_id, built.message_type) == (str(event.id), "deployq.flow_run.created")
    assert built.delivery_mode == 2
    assert built.content_type == "application/cloudevents+json"
