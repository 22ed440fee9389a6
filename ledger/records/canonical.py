"""Canonical JSON bytes (RFC 8785, JCS): the bytes that are signed and hashed.

Two parties who hold the same JSON value must produce the same bytes, whatever their
JSON library, key order or float formatting; JCS fixes all three.
"""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_bytes(value: Any) -> bytes:
    """Serialise ``value`` by RFC 8785.

    Raises ``ValueError`` for values JSON cannot carry exactly (NaN, infinities,
    integers beyond IEEE-754's exact range, non-string keys).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise ValueError(f"value cannot be canonicalised as JSON: {exc}") from exc
