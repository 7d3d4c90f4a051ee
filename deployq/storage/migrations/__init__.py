"""Alembic migrations; `deployq migrate` runs them (see `deployq.storage.migrate`)."""
