"""Settings that bound what is accepted."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from deployq.settings import Settings


def test_json_max_depth_defaults_to_32_and_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEPLOYQ_JSON_MAX_DEPTH", raising=False)
    assert Settings().json_max_depth == 32
    monkeypatch.setenv("DEPLOYQ_JSON_MAX_DEPTH", "64")
    assert Settings().json_max_depth == 64


@pytest.mark.parametrize("depth", [7, 129, 255])
def test_json_max_depth_is_capped_so_stored_values_fit_in_replies_and_events(depth: int) -> None:
    """A value sits at most three levels deeper in a reply or event than in its body, and orjson
    writes at most 254 levels; the commands' own shapes need a few."""
    with pytest.raises(ValidationError):
        Settings(json_max_depth=depth)
