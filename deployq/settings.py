"""Configuration from the environment (DEPLOYQ_*) or a settings file; nothing else reads it."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _seconds(value: Any) -> Any:
    """Durations are written in the environment as seconds (`3600`), as R70 asks."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        return timedelta(seconds=float(value))
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    return value


Seconds = Annotated[timedelta, BeforeValidator(_seconds)]


def amqp_addresses(setting: str) -> tuple[str, ...]:
    """The URLs of `DEPLOYQ_AMQP_URL`: one, or several separated by commas."""
    urls = tuple(part.strip() for part in setting.split(",") if part.strip())
    if not urls:
        raise ValueError("no broker address given")
    for url in urls:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in ("amqp", "amqps"):
            shown = url.split("@")[-1]  # never echo credentials
            raise ValueError(f"{shown!r} is not an amqp:// or amqps:// URL")
    return urls


class SchedulerSettings(BaseModel):
    """R70: the scheduler's loops and the bounds of what it materialises (durations in seconds)."""

    loop_seconds: float = Field(60.0, gt=0)
    recent_loop_seconds: float = Field(5.0, gt=0)
    deployment_batch_size: int = Field(100, ge=1)
    max_runs: int = Field(100, ge=1)
    min_runs: int = Field(3, ge=0)
    max_scheduled_time: Seconds = timedelta(days=100)
    min_scheduled_time: Seconds = timedelta(hours=1)
    insert_batch_size: int = Field(500, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DEPLOYQ_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=None,
        extra="ignore",
        frozen=True,
        # Errors name the setting, never its value: URLs carry passwords.
        hide_input_in_errors=True,
    )

    # One broker URL, or several separated by commas (a cluster's nodes).
    amqp_url: str = DEFAULT_AMQP_URL
    # For amqps:// brokers: a CA bundle, and a client certificate and key if the broker asks.
    amqp_ca_file: str | None = None
    amqp_cert_file: str | None = None
    amqp_key_file: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    namespace: str = Field("deployq", pattern=r"^[A-Za-z0-9_.-]{1,100}$")

    # Consumer
    prefetch: int = Field(16, ge=1, le=10_000)
    body_limit: int = Field(1024 * 1024, ge=1)
    # How deep a body may nest (the body itself is level 1). A stored value sits at most three
    # levels deeper in a reply or an event, and orjson writes at most 254: hence the cap.
    json_max_depth: int = Field(32, ge=8, le=128)
    delivery_limit: int = Field(5, ge=1)
    # Replicas of a new command (and dead-letter) queue; unset: the broker's default.
    quorum_initial_group_size: int | None = Field(None, ge=1, le=99)
    inbox_retention: Seconds = timedelta(hours=24)
    outbox_retention: Seconds = timedelta(hours=1)
    shutdown_grace_seconds: float = Field(30.0, gt=0)
    # The most occurrences one `deployment.backfill` may cover (CONTRACT §8).
    backfill_max_runs: int = Field(1000, ge=1, le=100_000)

    # Database pool
    # Default: prefetch + 4, so every command in hand has a connection (no churn) and the relay,
    # the pruner and a scheduler's pages have their own.
    pool_size: int | None = Field(None, ge=1)

    # Operations
    metrics_port: int | None = Field(None, ge=0, le=65535)
    # Where that port listens: every interface by default (a container's port), 127.0.0.1 for
    # this machine only.
    http_host: str = Field("0.0.0.0", min_length=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    scheduler: SchedulerSettings = SchedulerSettings()

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.upper() if value.lower() in LEVELS else value.lower()

    @field_validator("amqp_url")
    @classmethod
    def _addresses(cls, value: str) -> str:
        amqp_addresses(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        """Accept plain postgres URLs too; deployq always talks to Postgres through asyncpg."""
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        return value

    @property
    def amqp_addresses(self) -> tuple[str, ...]:
        return amqp_addresses(self.amqp_url)

    @property
    def connections(self) -> int:
        return self.pool_size or self.prefetch + 4

    @classmethod
    def from_file(cls, path: Path) -> Settings:
        """A settings file is a .env-style file; the environment still wins over it."""
        return cls(_env_file=path)

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of a deployq process, refusing what would otherwise pass silently: a
        settings file that is not there, and a DEPLOYQ_* name that is no setting."""
        names: list[str] = []
        if path is not None:
            if not path.is_file():
                raise SettingsProblem(f"settings file {str(path)!r} does not exist")
            names += [k for k in dotenv_values(path) if k.upper().startswith(PREFIX)]
        environ = os.environ if environ is None else environ
        names += [k for k in environ if k.upper().startswith(PREFIX)]
        unknown_setting(names, where=str(path) if path else None)
        return cls.from_file(path) if path else cls()


class SettingsProblem(ValueError):
    """The configuration cannot be used as given (and why, in one line)."""


PREFIX = "DEPLOYQ_"
# Names the test suite and the benchmarks read from the same environment.
NOT_SETTINGS = ("DEPLOYQ_TEST_", "DEPLOYQ_BENCH_")
LEVELS = ("debug", "info", "warning", "error", "critical")


def setting_names() -> list[str]:
    """Every DEPLOYQ_* name a setting is read from."""
    names = []
    for field, info in Settings.model_fields.items():
        names.append(f"{PREFIX}{field.upper()}")
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            names += [f"{PREFIX}{field.upper()}_{sub.upper()}" for sub in nested.model_fields]
    return names


def unknown_setting(names: Iterable[str], *, where: str | None = None) -> None:
    """Raise `SettingsProblem` for the first name that is no setting, with the nearest one."""
    known = setting_names()
    for name in names:
        upper = name.upper()
        if upper in known or upper.startswith(NOT_SETTINGS):
            continue
        place = f" in {where}" if where else ""
        near = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise SettingsProblem(f"{name}{place} is not a deployq setting{hint}")
