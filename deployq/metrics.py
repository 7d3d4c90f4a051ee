"""Prometheus metrics on a registry of their own, built once in bootstrap and passed down."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.handled = Counter(
            "deployq_commands_total",
            "Commands handled, by command and outcome",
            ["command", "outcome"],
            registry=r,
        )
        self.handling_seconds = Histogram(
            "deployq_command_seconds",
            "Time from delivery to settlement",
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.in_flight = Gauge("deployq_commands_in_flight", "Commands in hand", registry=r)
        self.redeliveries = Counter(
            "deployq_redeliveries_total", "Deliveries flagged as redelivered", registry=r
        )
        self.dead_letters = Counter(
            "deployq_dead_letters_total",
            "Messages dead-lettered, by error code",
            ["code"],
            registry=r,
        )
        self.runs_created = Counter(
            "deployq_runs_created_total",
            "Flow runs created by schedule_runs and the scheduler",
            registry=r,
        )
        self.events_pending = Gauge(
            "deployq_events_pending", "Outbox events not yet confirmed by the broker", registry=r
        )
