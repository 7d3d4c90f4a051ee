"""The migration config carries database URLs as given, percent-encoding included."""

from __future__ import annotations

from deployq.storage.migrate import alembic_config, head_revision


def test_percent_encoded_url_survives_the_ini_layer() -> None:
    url = "postgresql+asyncpg://deployq:p%40ss@db/deployq?host=%2Fvar%2Frun%2Fpostgresql"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_there_is_one_head() -> None:
    assert head_revision() is not None
