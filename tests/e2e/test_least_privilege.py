"""deployq works under a RabbitMQ user that may touch its own namespace and nothing else (the
permissions the README gives operators), and a client under the same user can call it."""

from __future__ import annotations

import re
import uuid

import aio_pika
from yarl import URL

from deployq.client import Client
from deployq.settings import Settings
from tests import rabbitmqctl
from tests.databases import own_database
from tests.services import delete_namespace
from tests.subscriber import subscribed
from tests.support import ok, unique, wait_until
from tests.workers import running_worker


def permissions(namespace: str) -> tuple[str, str, str]:
    """configure, write, read: the README's regular expressions for a namespace."""
    own = re.escape(namespace) + r"\."
    return f"^{own}", rf"^({own}|amq\.default$)", rf"^({own}|amq\.rabbitmq\.reply-to)"


async def test_a_worker_and_a_client_run_on_the_namespace_alone(settings: Settings) -> None:
    await rabbitmqctl.require(settings.amqp_url)
    namespace = f"{settings.namespace}-perm-{uuid.uuid4().hex[:6]}"
    user, password = f"dq-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    url = URL(settings.amqp_url).with_user(user).with_password(password)
    vhost = URL(settings.amqp_url).path.lstrip("/") or "/"
    await rabbitmqctl.run("add_user", user, password)
    try:
        await rabbitmqctl.run("set_permissions", "-p", vhost, user, *permissions(namespace))
        async with (
            # A database of its own: one database's events go to one namespace.
            own_database(settings.database_url, "perm") as (database_url, _),
            running_worker(
                settings.model_copy(
                    update={
                        "namespace": namespace,
                        "amqp_url": str(url),
                        "database_url": database_url,
                    }
                )
            ),
            subscribed(settings.amqp_url, namespace, binding="deployment.#") as events,
            await Client.connect(str(url), namespace) as client,
        ):
            assert ok(await client.call("system.ping", {}))["version"]
            flow = ok(await client.call("flow.create", {"name": unique("perm")}))
            body = {"flow_id": flow["id"], "name": unique("perm")}
            created = ok(await client.call("deployment.create", body))

            async def announced() -> bool:
                return bool(events.about(created["id"]))

            await wait_until(announced, timeout=15)  # the relay published under the user too
    finally:
        await rabbitmqctl.run("delete_user", user)
        async with await aio_pika.connect(settings.amqp_url) as admin:
            await delete_namespace(await admin.channel(), namespace)
