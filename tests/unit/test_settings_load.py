"""`Settings.load`, which every deployq process uses: what would pass silently is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployq.settings import Settings, SettingsProblem, setting_names


def test_a_missing_settings_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsProblem, match="does not exist"):
        Settings.load(tmp_path / "nope.env", environ={})


def test_a_misspelt_name_in_the_environment_names_the_nearest_setting() -> None:
    with pytest.raises(SettingsProblem) as refused:
        Settings.load(environ={"DEPLOYQ_AMQP_UR": "amqp://x/"})
    assert str(refused.value) == (
        "DEPLOYQ_AMQP_UR is not a deployq setting; did you mean DEPLOYQ_AMQP_URL?"
    )


def test_a_misspelt_name_in_a_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "deployq.env"
    path.write_text("DEPLOYQ_NAMESPACE=a\nDEPLOYQ_SCHEDULER_LOOP_SECOND=5\n")
    with pytest.raises(SettingsProblem) as refused:
        Settings.load(path, environ={})
    assert str(refused.value) == (
        f"DEPLOYQ_SCHEDULER_LOOP_SECOND in {path} is not a deployq setting; "
        "did you mean DEPLOYQ_SCHEDULER_LOOP_SECONDS?"
    )


def test_good_names_load_and_test_names_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "deployq.env"
    path.write_text("DEPLOYQ_NAMESPACE=from-file\nDEPLOYQ_HTTP_HOST=127.0.0.1\n")
    environ = {"DEPLOYQ_TEST_SEED": "1", "DEPLOYQ_BENCH_FIGURES": "x", "OTHER": "y"}
    loaded = Settings.load(path, environ=environ)
    assert loaded.namespace == "from-file"
    assert loaded.http_host == "127.0.0.1"
    assert "DEPLOYQ_SCHEDULER_MIN_RUNS" in setting_names()


def test_log_settings_take_any_case() -> None:
    loaded = Settings(log_level="debug", log_format="JSON")
    assert (loaded.log_level, loaded.log_format) == ("DEBUG", "json")
    with pytest.raises(ValueError, match="log_format"):
        Settings(log_format="yaml")
