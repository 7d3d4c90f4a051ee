"""The scheduler as users run it: `deployq scheduler` storing runs while its relay publishes.

In a database and a namespace of its own: 1,000 deployments with an hourly schedule, and
`deployq scheduler` started as a child process with min_runs = max_runs = 100, so its first main
pass creates 100 runs each (100,000 runs) while its relay publishes their `flow_run.created`
events to a subscriber bound to `<ns>.events` in this process. Each repetition measures, side by
side:

- runs stored per second (from the first row committed to the last, by polling `count(*)`)
  against a raw `INSERT … SELECT … FROM unnest(…) ON CONFLICT DO NOTHING` of the same rows
  (`benchmarks.materialise.raw_writes`);
- events per second at the subscriber (first to last arrival) against a bare aio-pika publisher
  with publisher confirms (`publisher`, a child process) sending as many messages of the same
  mean size through the same broker to the same subscriber.

Run: python -m benchmarks.scheduler_process [--deployments 1000] [--runs 100] [--repeat 3]

The modules: `__main__` (command line, repetitions, figures), `watch` (the scheduler child, the
rows it stores), `subscriber` (the counting subscriber), `publisher` (the bare publisher).
"""
