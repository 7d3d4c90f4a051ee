"""Follow deployq's events with a queue of your own, dropping duplicates by event id.

    DEPLOYQ_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ DEPLOYQ_NAMESPACE=deployq \
        .venv/bin/python docs/examples/subscribe_events.py [--queue NAME] [--binding KEY]

Events are delivered at least once: after a broker or relay failure the same event (same `id`,
same bytes) can arrive again. A subscriber remembers the ids it has handled and skips repeats;
here in memory, in a service in the same transaction as the work the event causes (a table with
the id as primary key). The queue is a durable quorum queue, so events wait while the subscriber
is down; ack only after handling. Stops on Ctrl-C / SIGTERM. See docs/subscribers.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from collections import OrderedDict

import aio_pika
from aio_pika.abc import AbstractIncomingMessage


class Seen:
    """The last `size` event ids handled: enough to catch redeliveries, bounded in memory."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        if event_id in self.ids:
            return False
        self.ids[event_id] = None
        if len(self.ids) > self.size:
            self.ids.popitem(last=False)
        return True


async def main(queue_name: str, binding: str) -> None:
    url = os.environ.get("DEPLOYQ_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    namespace = os.environ.get("DEPLOYQ_NAMESPACE", "deployq")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    seen = Seen()

    async def on_event(message: AbstractIncomingMessage) -> None:
        event = json.loads(message.body)  # a CloudEvents 1.0 envelope
        if seen.first_time(event["id"]):
            print(f"handled {event['type']} {event['subject']} {event['id']}", flush=True)
        else:
            print(f"duplicate {event['id']} dropped", flush=True)
        await message.ack()  # after handling: a crash before this means a redelivery

    connection = await aio_pika.connect_robust(url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=50)
        events = await channel.declare_exchange(
            f"{namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            queue_name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(events, routing_key=binding)
        await queue.consume(on_event)
        print(f"listening on {queue_name} for {binding}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="example-subscriber.events", help="your queue")
    parser.add_argument(
        "--binding", default="#", help="routing key pattern, e.g. flow_run.created.* (default #)"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.queue, arguments.binding))
