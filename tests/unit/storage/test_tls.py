"""libpq's TLS keys in the database URL become asyncpg's one `ssl` argument."""

from __future__ import annotations

import ssl

import pytest
from sqlalchemy.engine import make_url

from deployq.storage.tls import engine_arguments, ssl_argument


def test_a_url_without_tls_keys_is_left_alone() -> None:
    url = make_url("postgresql+asyncpg://u@h/db?application_name=x")
    assert engine_arguments(url) == (url, {})


def test_sslmode_moves_from_the_url_to_connect_args() -> None:
    url, connect_args = engine_arguments(make_url("postgresql+asyncpg://u@h/db?sslmode=require"))
    assert "sslmode" not in url.query
    assert connect_args == {"ssl": "require"}


def test_verify_full_with_a_root_certificate_checks_the_host() -> None:
    context = ssl_argument("verify-full", sslrootcert=ssl.get_default_verify_paths().cafile)
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname
    assert context.verify_mode is ssl.CERT_REQUIRED


def test_verify_ca_checks_the_chain_but_not_the_host() -> None:
    context = ssl_argument("verify-ca", sslrootcert=ssl.get_default_verify_paths().cafile)
    assert isinstance(context, ssl.SSLContext)
    assert not context.check_hostname
    assert context.verify_mode is ssl.CERT_REQUIRED


def test_an_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ValueError, match="sslmode"):
        ssl_argument("sometimes")
