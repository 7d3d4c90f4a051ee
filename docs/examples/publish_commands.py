"""Publish commands to deployq and read the replies, as an upstream service does.

    DEPLOYQ_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ DEPLOYQ_NAMESPACE=deployq \
        .venv/bin/python docs/examples/publish_commands.py [--name NAME]

Every write carries a `message_id` chosen by the caller and kept with the caller's own record of
what it asked for: sending the command again with the same id (after a timeout, a crash, a
redeploy) applies it at most once and returns the first reply. See docs/upstream-services.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid

from deployq.client import Client, ReplyTimeout
from deployq.errors import NotFound, ValidationFailed
from deployq.messages.deployments import CreateDeployment


async def main(name: str) -> None:
    url = os.environ.get("DEPLOYQ_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    namespace = os.environ.get("DEPLOYQ_NAMESPACE", "deployq")
    async with Client(url, namespace, timeout=10) as client:
        pong = await client.execute("system.ping")
        print(f"deployq {pong.version}, schema {pong.schema_revision}")

        flow = await client.execute("flow.create", {"name": name})
        print(f"flow {flow.name} {flow.id}")

        # A command model checks the body before it is sent; only the fields set are sent.
        create = CreateDeployment.model_validate(
            {
                "flow_id": flow.id,
                "name": f"{name}-nightly",
                "tags": ["example"],
                "schedules": [{"schedule": {"cron": "0 3 * * *", "timezone": "Europe/Paris"}}],
            }
        )
        message_id = str(uuid.uuid4())  # store it with your request, reuse it to retry
        try:
            deployment = await client.execute(create, message_id=message_id)
        except ReplyTimeout:
            # No reply in time: the command may still run. Retrying with the same id is safe.
            deployment = await client.execute(create, message_id=message_id, timeout=60)
        again = await client.execute(create, message_id=message_id)
        print(f"deployment {deployment.name} {deployment.id} {deployment.outcome}")
        print(f"same message_id again: {again.id} {again.outcome} (applied once)")

        runs = await client.execute("deployment.schedule_runs", {"deployment_id": deployment.id})
        print(f"runs created: {len(runs.run_ids)}")

        try:
            await client.execute("deployment.read", {"id": str(uuid.uuid4())})
        except NotFound as error:
            print(f"not_found: {error.message}")
        try:
            await client.execute("flow.create", {"name": name, "colour": "red"})
        except ValidationFailed as error:
            print(f"validation_error: {[d['loc'] for d in error.details]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="example-etl", help="flow name (default: example-etl)")
    asyncio.run(main(parser.parse_args().name))
