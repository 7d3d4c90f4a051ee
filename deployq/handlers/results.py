"""What each command answers with: read off the return annotation of its handler, so the
client's typed results and docs/asyncapi.yaml follow the handler table without a second list."""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

from deployq.handlers import COMMANDS, HANDLERS


@cache
def result_types() -> dict[str, Any]:
    """Routing key → the type of the reply's `result` (a model, or a list of models)."""
    return {
        name: typing.get_type_hints(HANDLERS[model])["return"] for name, model in COMMANDS.items()
    }
