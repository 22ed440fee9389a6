"""HTTP status for each ledger error: one table, used by pages and the API alike."""

from __future__ import annotations

from ledger.errors import (
    ConflictError,
    LedgerError,
    NotAuthorisedError,
    NotFoundError,
    NotInitialisedError,
    RevokedKeyError,
    SchemaError,
    SignatureError,
    UnknownKeyError,
)

_STATUS: list[tuple[type[LedgerError], int]] = [
    (NotFoundError, 404),
    (UnknownKeyError, 403),
    (RevokedKeyError, 403),
    (NotAuthorisedError, 403),
    (ConflictError, 409),
    (SchemaError, 422),
    (SignatureError, 422),
    (NotInitialisedError, 503),
]


def status_for(exc: LedgerError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400
