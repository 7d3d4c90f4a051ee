"""Commands per second and latency of `deployq worker`, against a same-run ceiling.

One run, with its own database (`deployq_bench_<random>`) and its own namespace, both removed at
the end, also on failure or SIGINT/SIGTERM:

1. `deployq worker --migrate` is started (same prefetch) and answers `system.ping`; its RSS is
   read after a short idle. The ceiling, `python -m benchmarks.ceiling` (a bare aio-pika
   consumer doing one asyncpg upsert, the reply on a confirm channel, the ack), is started too;
2. after a warm-up of each, `--rounds` rounds alternate a chunk of ceiling commands, a chunk of
   `deployment.create` (unique names under one flow, a fresh message_id each, half with one
   interval schedule) and a chunk of `deployment.read` of the ids just created, so a burst of
   other work on the host falls on all three alike;
3. it prints commands/s, p50 and p99 per command (publish → reply), the ratios against the
   ceiling, CPU per process group, PostgreSQL sessions opened, the worker's CPU per command and
   its resident memory at rest and after the load.

The load generator is the same for both: persistent messages with publisher confirms, replies
over direct reply-to, K commands in flight. It prints figures; it asserts nothing.

Run: python -m benchmarks.commands [--commands 5000] [--inflight 16] [--prefetch 32]

The modules, in the order a run uses them: `__main__` (the command line), `run` (set-up, the
rounds, tear-down), `processes` (the worker and the ceiling as child processes), `messages` (the
commands sent), `load` (K in flight, one phase measured), `client` (publish and reply), `meter`
(CPU, sessions and memory from /proc and pg_stat_database), `report` (the printed figures). The
database and the namespace come from `benchmarks.scratch`, shared with the other benchmarks.
"""
