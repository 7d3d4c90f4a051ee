"""The scheduling engine: which runs a deployment's schedules call for, and how they get stored.

How a run comes to exist: a schedule is stored as a resolved document (`document`). A scheduler
pass (`passes`) selects a page of deployments that are short of future runs and locks them; or
`deployment.schedule_runs` locks one. `materialise` reads their active schedules in the same
transaction, `planning` walks each schedule's dates (the pure maths of `deployq.occurrences`),
keeps those R67 asks for and turns each into a new run with R68's fields, a two-word name
(`names`) and an idempotency key made of deployment, schedule and date. The runs are inserted in
bulk with `ON CONFLICT DO NOTHING` on that key, so a date that already has a run is skipped, and
each run really inserted is announced as `flow_run.created` when the transaction commits.
"""
