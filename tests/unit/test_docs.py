"""The docs stay true: links lead somewhere, every setting is documented for operators, and
each audience's page is reachable from the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deployq.settings import SchedulerSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def setting_names() -> list[str]:
    names = [f"DEPLOYQ_{field.upper()}" for field in Settings.model_fields if field != "scheduler"]
    names += [f"DEPLOYQ_SCHEDULER_{field.upper()}" for field in SchedulerSettings.model_fields]
    return names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_files(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).exists(), f"{page.name}: {target} does not exist"


def test_every_setting_is_in_the_operators_page() -> None:
    text = (ROOT / "docs" / "operators.md").read_text()

    missing = [name for name in setting_names() if f"`{name}`" not in text]

    assert not missing, f"document these in docs/operators.md: {missing}"


def test_the_readme_links_each_audiences_page() -> None:
    text = (ROOT / "README.md").read_text()

    for page in ("upstream-services.md", "subscribers.md", "operators.md", "asyncapi.yaml"):
        assert f"](docs/{page})" in text, page


def test_the_examples_are_linked_from_their_pages() -> None:
    upstream = (ROOT / "docs" / "upstream-services.md").read_text()
    subscribers = (ROOT / "docs" / "subscribers.md").read_text()

    assert "](examples/publish_commands.py)" in upstream
    assert "](examples/subscribe_events.py)" in subscribers
