"""Private RabbitMQ nodes and PostgreSQL clusters, started for a test (or a script) and broken at
will: the machine's own services are shared by other people and by CI, so nothing here ever
touches them. Each instance has its own name, ports and data directory, keeps its logs for
failure messages, and is stopped and removed on exit whatever happened.

Both are plain (blocking) context managers; async code uses `async with` (which starts and
stops them in a thread) and calls their other methods through `asyncio.to_thread`. Starting
needs root (to run each server as its own user) and the server binaries; `Unavailable` says
what is missing, so a test can skip instead of falling back to the shared services.
"""

from tests.faults.instances.common import CommandFailed, Unavailable, free_port
from tests.faults.instances.postgres import PostgresCluster
from tests.faults.instances.rabbit import RabbitNode

__all__ = ["CommandFailed", "PostgresCluster", "RabbitNode", "Unavailable", "free_port"]
