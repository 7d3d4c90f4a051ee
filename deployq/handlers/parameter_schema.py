"""A manual run's parameters checked against the deployment's `parameter_openapi_schema`
(CONTRACT §8), with a JSON Schema library: the schema's own `$schema` picks the draft (2020-12
when it names none, as Prefect writes them)."""

from __future__ import annotations

from typing import Any

import jsonschema
import referencing.exceptions
from jsonschema.exceptions import SchemaError

from deployq.errors import Conflict, ValidationFailed

MAX_DETAILS = 50


def check_parameters(schema: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Raise `validation_error` listing each violation at `["parameters", …path]`; a schema
    that is itself broken is the deployment's problem, not the caller's: `conflict`."""
    kind = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        kind.check_schema(schema)
        found = list(kind(schema).iter_errors(parameters))
    except (SchemaError, referencing.exceptions.Unresolvable) as error:
        message = getattr(error, "message", None) or str(error)
        raise Conflict(
            f"the deployment's parameter_openapi_schema cannot be used: {message}"
        ) from error
    if not found:
        return
    found.sort(key=lambda error: [str(part) for part in error.absolute_path])
    details = [
        {
            "loc": ["parameters", *error.absolute_path],
            "msg": error.message,
            "type": f"json_schema.{error.validator}",
        }
        for error in found[:MAX_DETAILS]
    ]
    raise ValidationFailed(
        f"parameters do not match the deployment's parameter schema ({len(found)} problems)",
        details,
    )
