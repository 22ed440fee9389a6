"""What a JSON API request sends, read with a 4xx naming what is wrong, never a 500.

Shared by the API blueprints (``webapp.api.routes``, ``webapp.auditor.api``) so a bad body or
query parameter is refused the same way everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

from ledger.errors import SchemaError
from ledger.records.ijson import loads_ijson
from webapp.errors import ApiInputError


def json_body() -> Any:
    """The request's JSON body; 415 when it is not sent as JSON, 400 when it is not I-JSON.

    I-JSON (RFC 7493, :func:`~ledger.records.ijson.loads_ijson`): what is submitted is
    signed and hashed in canonical form, so a number that does not round-trip, a repeated
    name, a lone surrogate or NaN is refused here, naming the field; the depth is bounded
    before parsing, so no body can exhaust the worker's stack.
    """
    if not request.is_json:
        abort(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        return loads_ijson(request.get_data(cache=True))
    except SchemaError as exc:
        if exc.field is None:
            raise ApiInputError(f"the body {exc.message}") from None
        raise ApiInputError(exc.message, field=exc.field) from None


def int_arg(name: str, default: int, lowest: int, highest: int) -> int:
    """Query parameter ``name`` as a whole number in ``[lowest, highest]``, ``default`` when absent."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lowest <= value <= highest:
        raise ApiInputError(f"{name} must be a whole number from {lowest} to {highest}, got {raw!r}", field=name)
    return value
