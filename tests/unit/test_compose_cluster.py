"""The compose files, read as compose and deployq would read them: every deployq service gets
settings deployq accepts, and the cluster profile's nodes, peer discovery list and load
balancer name the same three nodes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployq.settings import Settings, amqp_addresses

ROOT = Path(__file__).resolve().parents[2]
DEPLOYQ_SERVICES = ("migrate", "scheduler", "worker")
NODES = ("rabbit1", "rabbit2", "rabbit3")


def compose(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return loaded


def settings_of(service: dict[str, Any]) -> Settings:
    environment = {
        key.lower().removeprefix("deployq_"): v for key, v in service["environment"].items()
    }
    return Settings(**environment)


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.cluster.yml"])
def test_every_deployq_service_gets_settings_deployq_accepts(name: str) -> None:
    services = compose(name)["services"]
    for service in DEPLOYQ_SERVICES:
        assert f"deployq {service}" in " ".join(
            services[service].get("entrypoint", ["deployq"]) + services[service]["command"]
        )
        settings = settings_of(services[service])
        for url in settings.amqp_addresses:
            host = re.sub(r"^amqps?://([^@]*@)?", "", url).split(":")[0].split("/")[0]
            assert host in services, f"{service} connects to {host}, which compose does not run"


def test_the_cluster_profile_runs_three_nodes_behind_haproxy() -> None:
    services = compose("docker-compose.cluster.yml")["services"]
    for node in NODES:
        assert services[node]["hostname"] == node
        assert services[node]["image"].startswith("rabbitmq:3.")
        mounted = [v.split(":")[0] for v in services[node]["volumes"]]
        assert mounted == ["./compose/cluster/rabbitmq.conf"]
    cookies = {services[node]["environment"]["RABBITMQ_ERLANG_COOKIE"] for node in NODES}
    assert len(cookies) == 1, "the nodes of one cluster share one Erlang cookie"
    worker = settings_of(services["worker"])
    assert worker.amqp_addresses == ("amqp://guest:guest@haproxy:5672/",)
    assert worker.quorum_initial_group_size == len(NODES)


def test_peer_discovery_lists_the_compose_nodes() -> None:
    conf = (ROOT / "compose/cluster/rabbitmq.conf").read_text()
    pairs = dict(
        line.split(" = ", 1)
        for line in conf.splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert pairs["cluster_formation.peer_discovery_backend"] == "classic_config"
    listed = [
        v for k, v in pairs.items() if k.startswith("cluster_formation.classic_config.nodes.")
    ]
    assert listed == [f"rabbit@{node}" for node in NODES]
    assert int(pairs["quorum_cluster_size"]) == len(NODES)


def test_haproxy_balances_over_every_node_and_cuts_sessions_to_a_dead_one() -> None:
    cfg = (ROOT / "compose/cluster/haproxy.cfg").read_text()
    assert re.search(r"^\s*mode tcp$", cfg, re.MULTILINE)
    servers = re.findall(r"^\s*server (\S+) (\S+):5672$", cfg, re.MULTILINE)
    assert servers == [(node, node) for node in NODES]
    assert "on-marked-down shutdown-sessions" in cfg
    assert re.search(r"^\s*bind :5672$", cfg, re.MULTILINE)


def test_the_address_list_in_the_comment_is_one_deployq_accepts() -> None:
    text = (ROOT / "docker-compose.cluster.yml").read_text()
    listed = re.search(r"#\s+(amqp://\S+,amqp://\S+)", text)
    assert listed is not None
    hosts = [re.sub(r"^amqp://[^@]*@", "", url).split(":")[0] for url in amqp_addresses(listed[1])]
    assert hosts == list(NODES)
