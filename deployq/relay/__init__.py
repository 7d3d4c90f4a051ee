"""The outbox relay: publishes the events that commands committed to the `outbox` table on
`<ns>.events`, and marks them sent once the broker has confirmed them. It consumes nothing.
Every worker and scheduler process runs one (deployq/sidecars.py), but only the holder of a
PostgreSQL advisory lock publishes (`leader`), so events leave in outbox order (commit order per
deployment); if the leader dies its lock goes with its connection and another process takes over,
publishing again, with the same ids, what the first published but did not mark (at least once).
`publisher` sends a batch and drains on stop, `purge` forgets published rows, `loop` ties them.
"""

from deployq.relay.loop import Relay

__all__ = ["Relay"]
