"""The portal's own errors, and the HTTP status of every error the ledger reports: one table.

Every :class:`~ledger.errors.LedgerError` class has a status chosen for it here, by exact
class (a test walks the hierarchy and fails on a class without an entry), so a new error
is never answered by accident: a chain outage is the server's problem (503 with
``Retry-After``), not the client's. Pages, the JSON APIs and background jobs all answer
through :func:`status_for`.
"""

from __future__ import annotations

from ledger.anchor_guard import AnchorRefusedError
from ledger.bundles import NotAnchoredError
from ledger.chain.errors import (
    ChainError,
    ChainUnavailableError,
    ContractRevert,
    KeyConfigError,
    NotDeployedError,
    ToolchainError,
    TransactionFailedError,
)
from ledger.epcis.errors import EpcisCaptureLimitError, EpcisError, EpcisUnsupportedError
from ledger.errors import (
    ConflictError,
    FootprintInputError,
    LedgerError,
    NotAuthorisedError,
    NotFoundError,
    NotInitialisedError,
    RevokedKeyError,
    SchemaError,
    SignatureError,
    UnknownKeyError,
)
from ledger.ingest import BatchRejected
from ledger.merkle_store import TreeSizeError


class ApiInputError(LedgerError, ValueError):
    """A query parameter or body member the API cannot use; ``field`` names it (answered 400)."""


class AuditScopeError(LedgerError, ValueError):
    """An audit scope asks for something that cannot be audited (names the field)."""


class ReportAlteredError(ConflictError):
    """The kept copy of a report no longer reads as a report (its record still says what it was).

    Raised by views that must interpret the report (the page, the PDF, the API) instead of
    failing on a missing key: the answer is the proof's checks, which say what changed.
    """


RETRY_AFTER_SECONDS = 5
"""What a 503 tells clients to wait: long enough for a node restart or a reconnect, short
enough that a shopper's retry finds the page back."""

STATUS: dict[type[LedgerError], int] = {
    LedgerError: 400,
    # what was sent is wrong
    SchemaError: 422,
    SignatureError: 422,
    BatchRejected: 422,
    EpcisError: 400,  # EPCIS 2.0 ValidationException
    EpcisUnsupportedError: 400,  # valid EPCIS we refuse to hash rather than guess: still the request's feature
    EpcisCaptureLimitError: 413,  # EPCIS 2.0 CaptureLimitExceededException
    ApiInputError: 400,
    AuditScopeError: 400,
    FootprintInputError: 400,  # carbon_models refused an input (the record and field named)
    # who sent it may not
    UnknownKeyError: 403,
    RevokedKeyError: 403,
    NotAuthorisedError: 403,
    # what was asked for is not there (yet)
    NotFoundError: 404,
    TreeSizeError: 404,
    NotAnchoredError: 404,  # the proof does not exist until a checkpoint covers the record
    # it contradicts the state
    ConflictError: 409,
    ReportAlteredError: 409,
    ContractRevert: 409,  # the contract refused: the chain's state says no
    # the server's problem, not the client's
    NotInitialisedError: 503,
    ChainError: 502,
    ChainUnavailableError: 503,
    ToolchainError: 503,
    NotDeployedError: 503,
    KeyConfigError: 503,
    TransactionFailedError: 502,
    AnchorRefusedError: 500,  # an integrity alarm: the log holds a record that does not hold up
}


def status_for(exc: LedgerError) -> int:
    """The status of ``exc``: its own class's entry, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 500  # not a LedgerError: never reached through the error handlers


def headers_for(exc: LedgerError) -> dict[str, str]:
    """Extra headers of the answer: ``Retry-After`` on a 503, which a client should retry."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status_for(exc) == 503 else {}
