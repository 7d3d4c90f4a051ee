"""deployq: deployments, their schedules and the flow runs they create, driven by RabbitMQ."""

__version__ = "0.1.0"
