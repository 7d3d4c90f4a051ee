"""The bare publisher `benchmarks.scheduler_process` measures the relay against: one aio-pika
connection, one channel with publisher confirms, persistent messages shaped like the relay's
(`flow_run.created.<id>` routing key, message id, type, content type), sent in batches whose
confirms are awaited together, as the relay sends an outbox batch. No database, no JSON.

Run: python -m benchmarks.scheduler_process.publisher --namespace NS --count N --size BYTES
It prints `ready` once connected, waits for a line on stdin, publishes, and prints `done`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

import aio_pika

from deployq.consumers.topology import Topology
from deployq.messages.events import CONTENT_TYPE, FLOW_RUN_CREATED


async def publish(amqp_url: str, namespace: str, count: int, size: int, batch: int) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(Topology(namespace).events.name)
        deployments = [uuid.uuid4() for _ in range(max(1, count // 100))]
        body = b"x" * size
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        for first in range(0, count, batch):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body,
                            message_id=str(uuid.uuid4()),
                            content_type=CONTENT_TYPE,
                            type=FLOW_RUN_CREATED,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=f"flow_run.created.{deployments[n % len(deployments)]}",
                        mandatory=False,
                    )
                    for n in range(first, min(count, first + batch))
                )
            )
        print("done", flush=True)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scheduler_process.publisher")
    parser.add_argument("--amqp-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(publish(args.amqp_url, args.namespace, args.count, args.size, args.batch))


if __name__ == "__main__":
    main()
