"""Where the tests find RabbitMQ and PostgreSQL.

`DEPLOYQ_AMQP_URL` / `DEPLOYQ_DATABASE_URL` when set; otherwise containers started with
testcontainers when a Docker engine answers; otherwise the local defaults (127.0.0.1).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aio_pika.abc import AbstractChannel

from deployq.settings import DEFAULT_AMQP_URL, DEFAULT_DATABASE_URL

# What tests/conftest.py marks every test that uses the services with. `_docker_answers` probes
# for Docker with a client whose unix socket, when no engine answers, is collected later, in
# whichever test happens to run then. Only AF_UNIX sockets are excused: every socket these tests
# open is TCP.
SERVICE_MARKS = [
    pytest.mark.services,
    pytest.mark.filterwarnings(
        r"ignore:Exception ignored in. <socket\.socket fd=\d+, family=1\b"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
]


@dataclass(frozen=True)
class Services:
    amqp_url: str
    database_url: str


def _docker_answers() -> bool:
    """Only ask when an engine could be there: the client leaks a socket when none answers."""
    if not (os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock")):
        return False
    try:
        import docker

        client = docker.from_env(timeout=2)
    except Exception:
        return False
    try:
        client.ping()
    except Exception:
        return False
    finally:
        client.close()
    return True


@contextlib.contextmanager
def services() -> Iterator[Services]:
    amqp = os.environ.get("DEPLOYQ_AMQP_URL")
    database = os.environ.get("DEPLOYQ_DATABASE_URL")
    if (amqp and database) or not _docker_answers():
        yield Services(amqp or DEFAULT_AMQP_URL, database or DEFAULT_DATABASE_URL)
        return
    with contextlib.ExitStack() as stack:
        if not amqp:
            from testcontainers.rabbitmq import RabbitMqContainer

            rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13"))
            host, port = rabbit.get_container_host_ip(), rabbit.get_exposed_port(5672)
            amqp = f"amqp://guest:guest@{host}:{port}/"
        if not database:
            from testcontainers.postgres import PostgresContainer

            postgres = stack.enter_context(PostgresContainer("postgres:16", driver="asyncpg"))
            database = postgres.get_connection_url()
        yield Services(amqp, database)


async def delete_namespace(channel: AbstractChannel, namespace: str) -> None:
    """Delete the queues and exchanges deployq declares for `namespace`."""
    for queue in (f"{namespace}.commands", f"{namespace}.commands.dead"):
        await channel.queue_delete(queue)
    for exchange in (f"{namespace}.commands", f"{namespace}.dead", f"{namespace}.events"):
        await channel.exchange_delete(exchange)
