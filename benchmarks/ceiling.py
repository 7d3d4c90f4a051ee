"""The ceiling for `benchmarks.commands`: the least a command consumer on this stack can do.

Per message, exactly: one asyncpg upsert of a small row keyed by the message's `name`, the reply
published to `reply_to` with the `correlation_id` on a publisher-confirm channel, then the ack.
It consumes from its own quorum queue bound to its own topic exchange, with manual acks and the
prefetch it is given, on uvloop like `deployq worker`.

Run: python -m benchmarks.ceiling --namespace NS --prefetch 32 [--amqp-url …] [--database-url …]
It prints `ready` on stdout once consuming, and exits on SIGTERM after finishing what it holds.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import aio_pika
import asyncpg
import orjson
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractIncomingMessage, AbstractQueue

try:
    import uvloop
except ImportError:  # pragma: no cover - platforms without uvloop
    uvloop = None  # type: ignore[assignment]

T = TypeVar("T")

TABLE = "bench_ceiling"

CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    key text PRIMARY KEY,
    message_id text,
    n integer NOT NULL DEFAULT 1,
    updated timestamptz NOT NULL DEFAULT now()
)
"""

UPSERT = f"""
INSERT INTO {TABLE} AS t (key, message_id) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET message_id = excluded.message_id, n = t.n + 1, updated = now()
RETURNING n
"""


def names(namespace: str) -> tuple[str, str]:
    """The ceiling's exchange and queue (the exchange is topic, the queue quorum, bound `#`)."""
    return f"{namespace}.ceiling", f"{namespace}.ceiling"


async def declare(channel: AbstractChannel, namespace: str) -> AbstractQueue:
    exchange_name, queue_name = names(namespace)
    exchange = await channel.declare_exchange(
        exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(
        queue_name, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await queue.bind(exchange, routing_key="#")
    return queue


async def keep_session(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (RESET ALL, UNLISTEN *, …), a round trip of its
    own: nothing here changes session state, and the ceiling is one statement per message."""


class Ceiling:
    def __init__(self, pool: asyncpg.Pool, reply_exchange: AbstractExchange) -> None:
        self.pool = pool
        self.reply_exchange = reply_exchange
        self.in_hand: set[asyncio.Task[None]] = set()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.in_hand.add(task)
        try:
            key = orjson.loads(message.body)["name"]
            n = await self.pool.fetchval(UPSERT, key, message.message_id)
            if message.reply_to:
                reply = aio_pika.Message(
                    b'{"ok":true,"result":{"key":' + orjson.dumps(key) + b',"n":%d}}' % n,
                    content_type="application/json",
                    correlation_id=message.correlation_id,
                    type=f"{message.routing_key}.reply",
                    headers={"status": "ok"},
                    delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
                )
                await self.reply_exchange.publish(reply, routing_key=message.reply_to)
            await message.ack()
        finally:
            if task is not None:
                self.in_hand.discard(task)


async def main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    pool = await asyncpg.create_pool(
        args.database_url, min_size=args.pool, max_size=args.pool, reset=keep_session
    )
    connection = await aio_pika.connect(args.amqp_url, client_properties={"product": "ceiling"})
    try:
        async with pool.acquire() as db:
            await db.execute(CREATE_TABLE)
        consume_channel = await connection.channel()
        publish_channel = await connection.channel(publisher_confirms=True)
        await consume_channel.set_qos(prefetch_count=args.prefetch)
        queue = await declare(consume_channel, args.namespace)
        ceiling = Ceiling(pool, publish_channel.default_exchange)
        tag = await queue.consume(ceiling.on_message)
        print("ready", flush=True)
        await stop.wait()
        await queue.cancel(tag)
        if ceiling.in_hand:
            await asyncio.wait(ceiling.in_hand, timeout=10)
    finally:
        await connection.close()
        await pool.close()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--prefetch", type=int, required=True)
    parser.add_argument("--pool", type=int, default=10, help="asyncpg pool size")
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


def run_loop(coro: Coroutine[Any, Any, T]) -> T:
    """On uvloop, as `deployq worker` runs."""
    if uvloop is None:  # pragma: no cover - platforms without uvloop
        return asyncio.run(coro)
    return uvloop.run(coro)


def run(argv: list[str] | None = None) -> None:
    run_loop(main(parse(argv)))


if __name__ == "__main__":
    run(sys.argv[1:])
