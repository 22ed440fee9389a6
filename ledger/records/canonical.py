"""Canonical JSON bytes (RFC 8785, JCS): the bytes that are signed and hashed.

Two parties who hold the same JSON value must produce the same bytes, whatever their
JSON library, key order or float formatting; JCS fixes all three.

Speed matters here (every submission is canonicalised on ingest), and the reference
implementation (`rfc8785`) spends most of its time writing token by token. For the values
records actually hold, JCS output equals the C-accelerated ``json.dumps`` with sorted keys
and no whitespace, as long as (a) every key is in the Basic Multilingual Plane (JCS sorts
by UTF-16 code units, Python by code points: they differ only above U+FFFF), (b) integers
are within IEEE-754's exact range, and (c) each float prints the same in ECMAScript and
Python: integral floats below 2**53 print as integers in JCS (so they are passed as
``int``), and other finite floats with 1e-4 <= |x| < 1e16 print identically (both use
the shortest round-trip digits in fixed notation there). Anything else falls back to
`rfc8785`, so the result is always exactly RFC 8785; a property test checks the two
agree.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_MAX_EXACT = 2**53
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")).encode


class _NeedsReference(Exception):
    """The value has a feature the fast path does not reproduce exactly."""


def _prepare(value: Any) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str or (not k.isascii() and max(k) > "\uffff"):
                raise _NeedsReference
            out[k] = _prepare(v)
        return out
    if kind is list or kind is tuple:
        return [_prepare(v) for v in value]
    if kind is int:
        if -_MAX_EXACT < value < _MAX_EXACT:
            return value
        raise _NeedsReference
    if kind is float:
        magnitude = abs(value)
        if value.is_integer():
            if magnitude < _MAX_EXACT:
                return int(value)
            raise _NeedsReference
        if 1e-4 <= magnitude < 1e16:
            return value
        raise _NeedsReference
    raise _NeedsReference


def canonical_bytes(value: Any) -> bytes:
    """Serialise ``value`` by RFC 8785.

    Raises ``ValueError`` for values JSON cannot carry exactly (NaN, infinities,
    integers beyond IEEE-754's exact range, non-string keys, lone surrogates).
    """
    try:
        return _dumps(_prepare(value)).encode("utf-8")
    except (_NeedsReference, UnicodeEncodeError, RecursionError):
        pass
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError(f"value cannot be canonicalised as JSON: {exc}") from exc
