"""Broker addresses: the list `DEPLOYQ_AMQP_URL` may hold, and how logs show each address."""

from __future__ import annotations

import asyncio

import pydantic
import pytest

from deployq.broker import Broker, Stopped, TLSFiles, redacted
from deployq.readiness import Readiness
from deployq.settings import Settings, amqp_addresses


def test_one_address_or_several() -> None:
    assert amqp_addresses("amqp://a:b@h1:5672/") == ("amqp://a:b@h1:5672/",)
    assert amqp_addresses(" amqp://h1/ , amqps://h2:5671/v ,") == (
        "amqp://h1/",
        "amqps://h2:5671/v",
    )


@pytest.mark.parametrize("setting", ["", " , ", "http://h/", "h1:5672", "amqp://h/,redis://x"])
def test_anything_but_amqp_urls_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match=r"amqp://|no broker address"):
        amqp_addresses(setting)


def test_a_bad_address_is_refused_without_its_credentials() -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        Settings(amqp_url="amqp://h1/,http://user:secret@h2/")
    assert "secret" not in str(refused.value)


def test_logs_show_no_credentials_and_no_query() -> None:
    shown = redacted("amqps://user:secret@node-1:5671/vhost?cafile=/etc/ca.pem&heartbeat=5")
    assert shown == "amqps://node-1:5671/vhost"


def test_tls_without_files_uses_the_system_defaults() -> None:
    assert TLSFiles().context() is None


async def test_stop_ends_the_wait_for_a_broker_that_never_answers() -> None:
    broker = Broker(("amqp://guest:guest@127.0.0.1:1/",), name="test")
    stop = asyncio.Event()
    waiting = asyncio.create_task(broker.connect(stop))
    await asyncio.sleep(0)  # let it start trying
    stop.set()
    with pytest.raises(Stopped):
        await asyncio.wait_for(waiting, 5)


async def test_attempts_bound_the_rounds() -> None:
    broker = Broker(("amqp://guest:guest@127.0.0.1:1/", "amqp://127.0.0.1:2/"), name="test")
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(broker.connect(attempts=1), 10)


def test_readiness_names_what_is_not_up() -> None:
    readiness = Readiness()
    assert readiness.problems() == []
    readiness.need("commands")
    readiness.need("events")
    readiness.up("events")
    assert readiness.problems() == ["commands is not connected"]
    readiness.up("commands")
    assert readiness.problems() == []
