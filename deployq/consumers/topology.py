"""Exchanges and queues as values derived from the namespace (CONTRACT §1), declared once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue


@dataclass(frozen=True, slots=True)
class Exchange:
    name: str
    type: ExchangeType


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    bound_to: str = ""
    binding_key: str = "#"


@dataclass(frozen=True, slots=True)
class Topology:
    namespace: str
    delivery_limit: int = 5
    # How many nodes a new quorum queue's replicas go to; None: the broker's default (every
    # node of the cluster, up to its `quorum_cluster_size`). It counts only when a queue is made.
    quorum_initial_group_size: int | None = None

    def quorum(self, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """The arguments of one of deployq's quorum queues."""
        declared: dict[str, Any] = {"x-queue-type": "quorum", **(arguments or {})}
        if self.quorum_initial_group_size is not None:
            declared["x-quorum-initial-group-size"] = self.quorum_initial_group_size
        return declared

    @property
    def commands(self) -> Exchange:
        return Exchange(f"{self.namespace}.commands", ExchangeType.TOPIC)

    @property
    def dead(self) -> Exchange:
        return Exchange(f"{self.namespace}.dead", ExchangeType.FANOUT)

    @property
    def events(self) -> Exchange:
        return Exchange(f"{self.namespace}.events", ExchangeType.TOPIC)

    @property
    def command_queue(self) -> Queue:
        return Queue(
            f"{self.namespace}.commands",
            self.quorum(
                {
                    "x-delivery-limit": self.delivery_limit,
                    "x-dead-letter-exchange": self.dead.name,
                }
            ),
            bound_to=self.commands.name,
        )

    @property
    def dead_queue(self) -> Queue:
        return Queue(f"{self.namespace}.commands.dead", self.quorum(), bound_to=self.dead.name)


async def declare_exchange(channel: AbstractChannel, exchange: Exchange) -> AbstractExchange:
    return await channel.declare_exchange(exchange.name, exchange.type, durable=True)


async def declare_queue(channel: AbstractChannel, queue: Queue) -> AbstractQueue:
    declared = await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)
    if queue.bound_to:
        await declared.bind(queue.bound_to, routing_key=queue.binding_key)
    return declared


async def declare(channel: AbstractChannel, topology: Topology) -> AbstractQueue:
    """Declare everything (idempotent) and return the command queue."""
    for exchange in (topology.commands, topology.dead, topology.events):
        await declare_exchange(channel, exchange)
    await declare_queue(channel, topology.dead_queue)
    return await declare_queue(channel, topology.command_queue)
