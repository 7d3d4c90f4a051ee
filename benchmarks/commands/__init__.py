"""Commands per second and latency of `deployq worker`, against a same-run ceiling.

One run, with its own database (`deployq_bench_<random>`) and its own namespace, both removed at
the end, also on failure or SIGINT/SIGTERM:

1. `deployq worker --migrate` is started (same prefetch) and answers `system.ping`; its RSS is
   read after a short idle. The ceiling, `python -m benchmarks.ceiling` (a bare aio-pika
   consumer doing one asyncpg upsert, the reply on a confirm channel, the ack), is started too;
2. after a warm-up of each, `--rounds` rounds each run one chunk of every phase: the ceiling,
   two ceilings side by side, `deployment.create` without a schedule, the same through two
   workers, `deployment.create` with one interval schedule, `deployment.update` (description,
   tags, parameters) of deployments the round created, `deployment.read` of them, and
   `deployment.create` with a subscriber bound to `<namespace>.events`. A burst of other work on
   the host falls on all phases alike, and each round is one repetition of every ratio;
3. it prints commands/s, p50 and p99 per command (publish → reply), CPU per process group,
   PostgreSQL sessions opened, the worker's CPU per command and its resident memory at rest and
   after the load; then every figure per round (median, min, max) against its target: each
   write kind and reads against the ceiling (throughput and p99), the time from a create's reply
   to its `deployment.created` event at the subscriber, and two workers (and two ceilings)
   against one.

The load generator is the same for both: persistent messages with publisher confirms, replies
over direct reply-to, K commands in flight. It prints figures; it asserts nothing.

Run: python -m benchmarks.commands [--commands 5000] [--inflight 16] [--prefetch 32]

The modules, in the order a run uses them: `__main__` (the command line), `run` (set-up,
warm-ups, tear-down), `rounds` (the rounds, and the second worker or ceiling of a round),
`processes` (the worker and the ceiling as child processes), `messages` (the commands sent),
`load` (K in flight, one phase measured), `client` (publish and reply), `events` (the
subscriber), `meter` (CPU, sessions and memory from /proc and pg_stat_database), `report` (the
printed tables) and `targets` (the figures per round and their targets). The database and the
namespace come from `benchmarks.scratch`, shared with the other benchmarks.
"""
