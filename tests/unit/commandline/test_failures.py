"""Failures turned into one line and an exit code, credentials never shown."""

from __future__ import annotations

import socket

import pytest
import typer
from aiormq.exceptions import ChannelNotFoundEntity, ProbableAuthenticationError

from deployq.commandline.failures import (
    Exit,
    broker_failure,
    database_failure,
    missing_namespace,
    shown,
    unreachable_database,
)

URL = "amqp://user:s3cret@broker.example:5672/vhost?cafile=/x"


def said(
    capsys: pytest.CaptureFixture[str], failing: BaseException, url: str = URL
) -> tuple[int, str]:
    with pytest.raises(typer.Exit) as ended:
        broker_failure(failing, url)
    return ended.value.exit_code, capsys.readouterr().err


def test_urls_are_shown_without_credentials_or_query() -> None:
    assert shown(URL) == "amqp://broker.example:5672/vhost"
    assert shown("postgresql+asyncpg://u:p@db:5432/x?sslmode=require") == (
        "postgresql+asyncpg://db:5432/x"
    )


def test_a_refused_login_and_an_unknown_host_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = said(capsys, ProbableAuthenticationError("ACCESS_REFUSED"))
    assert code == Exit.BROKER
    assert err == (
        "deployq: the broker at amqp://broker.example:5672/vhost refused the login of "
        "DEPLOYQ_AMQP_URL\n"
    )
    code, err = said(capsys, socket.gaierror(-2, "Name or service not known"))
    assert code == Exit.BROKER
    assert "cannot resolve the broker's host" in err
    assert "s3cret" not in err


def test_a_missing_exchange_is_told_apart() -> None:
    wrapped = RuntimeError("publish failed")
    wrapped.__cause__ = ChannelNotFoundEntity("NOT_FOUND - no exchange 'x.commands'")
    assert missing_namespace(wrapped)
    assert not missing_namespace(RuntimeError("other"))


def test_a_database_away_is_exit_6(capsys: pytest.CaptureFixture[str]) -> None:
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert unreachable_database(refused)
    assert not unreachable_database(ValueError("a migration failed"))
    with pytest.raises(typer.Exit) as ended:
        database_failure(refused, "postgresql://postgres:pw@127.0.0.1:1/x")
    assert ended.value.exit_code == Exit.DATABASE
    assert "pw" not in capsys.readouterr().err
