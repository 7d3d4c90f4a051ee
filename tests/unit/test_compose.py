"""docker-compose.yml, read as compose reads it: the services start in the right order, health is
probed with what the images have, no host port clashes with local services, and every DEPLOYQ_*
name it sets is a setting deployq knows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployq.cli import app
from deployq.settings import SchedulerSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOYQ = ("migrate", "scheduler", "worker")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    found: dict[str, Any] = compose["services"]
    return found


def is_setting(name: str) -> bool:
    field = name.removeprefix("DEPLOYQ_").lower()
    if field.startswith("scheduler_"):
        return field.removeprefix("scheduler_") in SchedulerSettings.model_fields
    return field in Settings.model_fields


def command_names() -> set[str]:
    return {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


def test_the_services_are_the_broker_the_database_and_deployq(services: dict[str, Any]) -> None:
    assert set(services) == {"rabbitmq", "postgres", *DEPLOYQ}
    for name in DEPLOYQ:
        assert services[name]["build"] == "."


def test_deployq_services_run_commands_that_exist(services: dict[str, Any]) -> None:
    assert services["worker"]["command"] == ["worker"]
    assert services["scheduler"]["command"] == ["scheduler"]
    assert {"migrate", "worker", "scheduler"} <= command_names()
    migrate = " ".join(services["migrate"]["command"])
    assert "deployq migrate" in migrate


def test_every_deployq_variable_is_a_setting_with_a_valid_value(services: dict[str, Any]) -> None:
    for name in DEPLOYQ:
        environment: dict[str, str] = services[name]["environment"]
        assert "DEPLOYQ_DATABASE_URL" in environment
        unknown = [key for key in environment if not is_setting(key)]
        assert not unknown, f"{name}: {unknown} are not deployq settings"
        values = {key.removeprefix("DEPLOYQ_").lower(): v for key, v in environment.items()}
        Settings.model_validate(values)


def test_postgres_is_healthy_only_when_it_answers_over_tcp(services: dict[str, Any]) -> None:
    test = services["postgres"]["healthcheck"]["test"]

    assert test[0] == "CMD-SHELL"
    assert re.search(r"pg_isready .*-h 127\.0\.0\.1", test[1]), test


def test_migrate_waits_for_the_database_and_retries_until_it_is_ready(
    services: dict[str, Any],
) -> None:
    migrate = services["migrate"]

    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["entrypoint"] == ["/bin/sh", "-c"]
    script = migrate["command"][0]
    assert re.search(r"for \w+ in \$\$\(seq \d+\); do deployq migrate && exit 0;", script)
    assert script.rstrip().endswith("exit 1")
    assert migrate["restart"] == "no"


def test_workers_and_scheduler_start_after_migrate_succeeded(services: dict[str, Any]) -> None:
    for name in ("worker", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "rabbitmq": {"condition": "service_healthy"},
        }


def test_workers_and_scheduler_are_probed_on_readyz_with_python(services: dict[str, Any]) -> None:
    for name in ("worker", "scheduler"):
        service = services[name]
        port = service["environment"]["DEPLOYQ_METRICS_PORT"]
        test = service["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], test  # no curl in python:*-slim
        assert f"http://127.0.0.1:{port}/readyz" in test[3]
        assert "urllib.request.urlopen" in test[3]
        compile(test[3], "healthcheck", "exec")


def test_no_host_port_clashes_with_local_services(services: dict[str, Any]) -> None:
    published = [p for s in services.values() for p in s.get("ports", [])]

    assert "ports" not in services["postgres"]
    for mapping in published:
        host = mapping.rsplit(":", 1)[0]
        assert host.startswith("127.0.0.1:"), mapping  # never on every interface
        default = re.fullmatch(r"127\.0\.0\.1:\$\{\w+:-(\d+)\}", host)
        assert default, f"{mapping}: the host port comes from a variable with a default"
        assert int(default.group(1)) not in (5432, 5672, 15672), mapping
