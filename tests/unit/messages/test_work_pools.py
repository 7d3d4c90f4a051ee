"""Validation of the work pool and work queue wire models (R2, R3, R69a); no services."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from deployq.messages.base import Command
from deployq.messages.work_pools import (
    CreateWorkPool,
    DeleteWorkPool,
    ListWorkPools,
    ReadWorkPool,
    UpdateWorkPool,
)
from deployq.messages.work_queues import (
    CheckWorkQueues,
    CreateWorkQueue,
    DeleteWorkQueue,
    ListWorkQueues,
    QueueFilter,
    ReadWorkQueue,
    UpdateWorkQueue,
)


def refused(model: type[BaseModel], body: dict[str, Any]) -> list[str]:
    """The `loc`s of every problem, as the validation_error reply lists them."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("model", "name", "writes"),
    [
        (CreateWorkPool, "work_pool.create", True),
        (ReadWorkPool, "work_pool.read", False),
        (ListWorkPools, "work_pool.list", False),
        (UpdateWorkPool, "work_pool.update", True),
        (DeleteWorkPool, "work_pool.delete", True),
        (CreateWorkQueue, "work_queue.create", True),
        (ReadWorkQueue, "work_queue.read", False),
        (ListWorkQueues, "work_queue.list", False),
        (UpdateWorkQueue, "work_queue.update", True),
        (DeleteWorkQueue, "work_queue.delete", True),
        (CheckWorkQueues, "deployment.work_queues", False),
    ],
)
def test_routing_keys_and_write_flags(model: type[Command], name: str, writes: bool) -> None:
    assert (model.command, model.writes) == (name, writes)


# --- pools ----------------------------------------------------------------------------------


def test_create_pool_defaults() -> None:
    pool = CreateWorkPool(name="p")

    assert pool.model_dump() == {
        "name": "p",
        "type": "prefect-agent",
        "description": None,
        "is_paused": False,
        "concurrency_limit": None,
        "base_job_template": {},
    }


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "p" * 1001}, "name"),
        ({"name": "p", "concurrency_limit": -1}, "concurrency_limit"),
        ({"name": "p", "base_job_template": None}, "base_job_template"),
        ({"name": "p", "base_job_template": []}, "base_job_template"),
        ({"name": "p", "is_paused": None}, "is_paused"),
        ({"name": "p", "type": None}, "type"),
        ({"name": "p", "default_queue_id": str(uuid4())}, "default_queue_id"),
    ],
)
def test_create_pool_refuses(body: dict[str, Any], where: str) -> None:
    assert refused(CreateWorkPool, body) == [where]


def test_create_pool_accepts_a_zero_limit() -> None:
    assert CreateWorkPool(name="p", concurrency_limit=0).concurrency_limit == 0


def test_update_pool_remembers_which_fields_were_given() -> None:
    update = UpdateWorkPool.model_validate({"name": "p", "description": None})

    assert update.model_fields_set == {"name", "description"}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "p", "type": "process"}, "type"),
        ({"name": "p", "new_name": "q"}, "new_name"),
        ({"name": "p", "is_paused": None}, "is_paused"),
        ({"name": "p", "base_job_template": None}, "base_job_template"),
        ({"name": "p", "concurrency_limit": -1}, "concurrency_limit"),
        ({"is_paused": True}, "name"),
    ],
)
def test_update_pool_refuses(body: dict[str, Any], where: str) -> None:
    assert refused(UpdateWorkPool, body) == [where]


def test_list_pools_pages_within_bounds() -> None:
    assert (ListWorkPools().offset, ListWorkPools().limit) == (0, 200)
    assert refused(ListWorkPools, {"limit": 201}) == ["limit"]
    assert refused(ListWorkPools, {"offset": -1}) == ["offset"]
    assert refused(ListWorkPools, {"work_pools": {"status": {"any_": ["READY"]}}}) == [
        "work_pools.status"
    ]


# --- queues ---------------------------------------------------------------------------------


def test_create_queue_defaults() -> None:
    queue = CreateWorkQueue(name="q")

    assert queue.model_dump() == {
        "work_pool_name": None,
        "name": "q",
        "description": "",
        "is_paused": False,
        "concurrency_limit": None,
        "priority": 1,
        "filter": None,
    }


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": ""}, "name"),
        ({"name": "q", "work_pool_name": ""}, "work_pool_name"),
        ({"name": "q", "priority": 0}, "priority"),
        ({"name": "q", "priority": None}, "priority"),
        ({"name": "q", "concurrency_limit": -1}, "concurrency_limit"),
        ({"name": "q", "description": None}, "description"),
        ({"name": "q", "filter": {"tags": "a"}}, "filter.tags"),
        ({"name": "q", "filter": {"deployment_ids": ["nope"]}}, "filter.deployment_ids.0"),
        ({"name": "q", "filter": {"flow_runner_types": []}}, "filter.flow_runner_types"),
        ({"name": "q", "work_pool_id": str(uuid4())}, "work_pool_id"),
    ],
)
def test_create_queue_refuses(body: dict[str, Any], where: str) -> None:
    assert refused(CreateWorkQueue, body) == [where]


def test_queue_filter_keys_default_to_null() -> None:
    deployment_id = uuid4()

    given = QueueFilter.model_validate({"deployment_ids": [str(deployment_id)]})

    assert given.model_dump(mode="json") == {"tags": None, "deployment_ids": [str(deployment_id)]}
    assert QueueFilter().model_dump() == {"tags": None, "deployment_ids": None}


def test_update_queue_keeps_null_filter_apart_from_absent() -> None:
    cleared = UpdateWorkQueue.model_validate({"name": "q", "filter": None})
    untouched = UpdateWorkQueue.model_validate({"name": "q"})

    assert "filter" in cleared.model_fields_set
    assert "filter" not in untouched.model_fields_set


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "q", "priority": None}, "priority"),
        ({"name": "q", "is_paused": None}, "is_paused"),
        ({"name": "q", "description": None}, "description"),
        ({"name": "q", "new_name": "r"}, "new_name"),
        ({"name": "q", "last_polled": "2024-01-01T00:00:00Z"}, "last_polled"),
    ],
)
def test_update_queue_refuses(body: dict[str, Any], where: str) -> None:
    assert refused(UpdateWorkQueue, body) == [where]


def test_list_queues_takes_the_deployment_list_queue_filter() -> None:
    command = ListWorkQueues.model_validate(
        {"work_queues": {"operator": "or_", "name": {"startswith_": ["gpu"]}}}
    )

    assert command.work_queues is not None
    assert command.work_queues.operator == "or_"
    assert refused(ListWorkQueues, {"work_queues": {"name": {"like_": "x"}}}) == [
        "work_queues.name.like_"
    ]


def test_check_work_queues_needs_a_deployment_id() -> None:
    assert refused(CheckWorkQueues, {}) == ["deployment_id"]
    assert refused(CheckWorkQueues, {"deployment_id": "x"}) == ["deployment_id"]
    assert refused(CheckWorkQueues, {"deployment_id": str(uuid4()), "tags": []}) == ["tags"]


def test_commands_are_frozen() -> None:
    command = CreateWorkQueue(name="q")
    with pytest.raises(ValidationError):
        command.name = "r"  # type: ignore[misc]  # the assignment itself is what is tested
