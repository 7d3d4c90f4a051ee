"""The layering the README describes, checked: imports go down, services stay apart, modules
stay small. A change that breaks the picture fails here rather than in a later reader's head."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "deployq"
MAX_LINES = 250

# Top to bottom; a module may import from its own layer and the layers below it.
LAYERS: list[set[str]] = [
    {"cli", "__main__", "commandline"},
    {"worker", "scheduler", "sidecars", "client", "http", "deadletters"},
    {"consumers", "relay", "bootstrap"},
    {"handlers"},
    {"scheduling"},
    {"storage"},
    {"broker", "readiness", "roaming"},
    {"messages", "occurrences", "errors", "settings", "clock", "metrics", "retry", "logs"},
]
# Entry points (and the pieces they run beside each other) never import one another.
SERVICES = {"worker", "scheduler", "sidecars"}


def _part(module: str) -> str:
    """`deployq.storage.runs` → `storage`; `deployq.worker` → `worker`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"deployq.{part} is in no layer: add it to LAYERS and the README")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _all_modules() -> list[Path]:
    """The package, its tests and its benchmarks (generated migrations aside)."""
    found = [*_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    return sorted(found)


def _is_module(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _imports(path: Path) -> set[str]:
    """The deployq modules `path` imports, at any depth (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "deployq":  # `from deployq import worker`, not `__version__`
                found.update(f"deployq.{a.name}" for a in node.names if _is_module(a.name))
            elif node.module.startswith("deployq."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deployq."))
    return found


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down(path: Path) -> None:
    here = _part(_name(path))
    if not here:  # deployq/__init__.py
        return
    for imported in _imports(path):
        there = _part(imported)
        assert _layer(there) >= _layer(here), f"{_name(path)} imports {imported} (upward)"
        if here in SERVICES and there in SERVICES:
            assert here == there, f"{_name(path)} imports {imported}: services stay apart"


@pytest.mark.parametrize("path", _all_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by role"
