"""Scheduler passes as deployments grow: steady state and cold fill at 1k, 10k and 100k deployments.

In a database of its own (created, migrated, dropped), deployments with one hourly schedule are
added in bulk (two set-based statements, `benchmarks.materialise.seed`) up to each size in turn.
At each size, under the R70 defaults (3 runs per schedule):

- cold fill: every run forgotten, then one main pass creating 3 runs per deployment;
- steady state: main passes with nothing to create, after VACUUM ANALYZE (as autovacuum would
  leave the tables).

Both are printed as pass time and time per deployment, so linear growth shows as a flat
per-deployment time; target: a steady main pass over 100,000 deployments within 1 s.

Run: python -m benchmarks.scale [--sizes 1000,10000,100000] [--repeat 3] [--steady 5]
"""
