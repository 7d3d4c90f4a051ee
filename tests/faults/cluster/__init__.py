"""A local RabbitMQ cluster under load and faults: `python -m tests.faults.cluster`."""
