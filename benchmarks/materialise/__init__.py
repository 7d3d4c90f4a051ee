"""Runs materialised per second by a scheduler pass, against a raw bulk insert of the same rows.

In a database of its own (created, migrated, dropped): 1,000 deployments with an hourly schedule,
one scheduler pass creating 100 runs each (100,000 runs with their state rows and outbox events),
then the same 100,000 rows inserted raw (`INSERT … SELECT … FROM unnest(…) ON CONFLICT DO NOTHING`
through asyncpg) into a fresh copy of `flow_run`. Then the time of a pass with nothing to create
(steady state, R70 default settings) for 1,000 and for 10,000 deployments.

Run: python -m benchmarks.materialise [--deployments 1000] [--runs 100] [--steady 10000]

The modules: `__main__` (the command line and the run's database), `seed` (deployments to
schedule, and the tables emptied between passes), `timing` (the passes timed and printed),
`raw_writes` (the baseline). The database comes from `benchmarks.scratch`, shared with the other
benchmarks.
"""
