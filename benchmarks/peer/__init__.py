"""deployq against Prefect's own server code, side by side on the same PostgreSQL, in one run.

Two measures, each repeated (`--repeat`, default 3) with the two sides back to back in every
repetition, and each ratio taken repetition by repetition:

- **create**: `deployment.create` through `deployq worker` (the load generator of
  `benchmarks.commands`, K in flight) against Prefect's `models.deployments.create_deployment`
  called as its `POST /deployments/` route calls it (body validated, one session and
  transaction per deployment, the response model built), K at once in one process. Prefect's
  side has no HTTP and no broker in the way; deployq's has the broker round trip;
- **scheduler**: a deployq scheduler pass (`main_pass`, as `benchmarks.materialise` runs it)
  against one call of Prefect's scheduler service, `schedule_deployments()` (which calls
  `_generate_scheduled_flow_runs` and `_insert_scheduled_flow_runs`, the parts of
  `schedule_runs`), both asked for min = max = `--runs` runs per deployment (default 100) for
  `--deployments` deployments (default 500) with one hourly interval schedule, both starting
  from no runs. deployq's pass also writes a `flow_run.created` outbox event per run; Prefect's
  writes no event.

Each side has its own database on the same server (`deployq_bench_peer_<random>` with deployq's
schema; the same name with `_prefect`, migrated by Prefect itself), both dropped at the end.

Prefect never enters deployq's venv: `prefect_side.py` is run by the python of a separate venv
(`--prefect-python`, default DEPLOYQ_BENCH_PREFECT_PYTHON, else DEPLOYQ_TEST_PREFECT_PYTHON,
else `.prefect-venv/bin/python`, which `DEPLOYQ_TEST_WITH_PREFECT=1 scripts/test` makes, or:
`python3 -m venv .prefect-venv && .prefect-venv/bin/pip install prefect`). Without it the
benchmark says so and measures nothing.

Run: python -m benchmarks.peer [--creates 1000] [--deployments 500] [--runs 100] [--repeat 3]

The modules: `__main__` (the command line, the repetitions, the figures), `deployq_side`,
`prefect_process` (Prefect's side as a child process) and `prefect_side` (the script that child
runs).
"""
