"""Broker addresses: the list `DEPLOYQ_AMQP_URL` may hold, and how logs show each address."""

from __future__ import annotations

import asyncio

import pydantic
import pytest

from deployq.broker import Broker, Stopped, TLSFiles, redacted, rotated
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


def test_a_round_tries_every_address_once_from_its_start() -> None:
    urls = ("amqp://n1/", "amqp://n2/", "amqp://n3/")
    assert rotated(urls, 0) == urls
    assert rotated(urls, 1) == ("amqp://n2/", "amqp://n3/", "amqp://n1/")
    assert rotated(urls, 2) == ("amqp://n3/", "amqp://n1/", "amqp://n2/")
    assert rotated(urls[:1], 0) == urls[:1]  # one address: exactly as before


async def test_every_connect_starts_at_a_random_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each connect (the first and every reconnect) draws its own start, so processes spread
    over the nodes and a reconnect does not stick to the node that just went away."""
    tried: list[str] = []

    async def refuse(self: Broker, url: str) -> None:
        tried.append(url)
        raise ConnectionError(url)

    monkeypatch.setattr(Broker, "_open", refuse)
    urls = tuple(f"amqp://guest:guest@127.0.0.1:{port}/" for port in (1, 2, 3))
    broker = Broker(urls, name="test")
    firsts = set()
    for _ in range(60):
        tried.clear()
        with pytest.raises(ConnectionError):
            await broker.connect(attempts=1)
        assert sorted(tried) == sorted(urls)  # a round: each address once
        assert tuple(tried) in {rotated(urls, start) for start in range(3)}
        firsts.add(tried[0])
    assert firsts == set(urls)


async def test_rounds_back_off_and_log_each_address_without_credentials(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(Broker, "_open", _refused)
    urls = ("amqp://user:secret@127.0.0.1:1/", "amqp://user:secret@127.0.0.1:2/")
    with caplog.at_level("WARNING", logger="deployq.broker"), pytest.raises(ConnectionError):
        await Broker(urls, name="test").connect(attempts=2)
    assert "secret" not in caplog.text
    assert "amqp://127.0.0.1:1/" in caplog.text
    assert "amqp://127.0.0.1:2/" in caplog.text


async def _refused(self: Broker, url: str) -> None:
    raise ConnectionError("refused")


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
