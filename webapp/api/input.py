"""What a JSON API request sends, read with a 4xx naming what is wrong, never a 500.

Shared by the API blueprints (``webapp.api.routes``, ``webapp.auditor.api``) so a bad body or
query parameter is refused the same way everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

from webapp.errors import ApiInputError


def json_body() -> Any:
    """The request's JSON body; 415 when it is not sent as JSON, 400 when it does not parse."""
    if not request.is_json:
        abort(415, "send the body as JSON with 'Content-Type: application/json'")
    body = request.get_json(silent=True)
    if body is None:
        abort(400, "the body is not valid JSON")
    return body


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
