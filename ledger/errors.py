"""The ledger's exception hierarchy.

Every error a user can cause is a :class:`LedgerError` carrying a message meant for that
user; subclasses also inherit the matching built-in (``ValueError``, ``LookupError``,
``PermissionError``) so callers that only know Python's built-ins still catch them
correctly. The portal and CLI turn these, and only these, into 4xx answers / exit 2.
"""

from __future__ import annotations

from carbon_models.errors import ReportedError


class LedgerError(ReportedError):
    """Base of every error the ledger reports to a user.

    Its message, record, field, ``str()`` and ``to_dict()`` are those of
    :class:`~carbon_models.errors.ReportedError`, shared with carbon_models' errors so both
    read alike; a carbon_models error is not a ``LedgerError`` (see :class:`FootprintInputError`).
    """


class SchemaError(LedgerError, ValueError):
    """A record does not match the schema of its kind."""


class SignatureError(LedgerError, ValueError):
    """A signature does not verify against the record and the named key."""


class UnknownKeyError(LedgerError, LookupError):
    """A submission names a key the ledger has never registered."""


class RevokedKeyError(LedgerError, PermissionError):
    """A submission is signed with a key that was revoked before it arrived."""


class NotAuthorisedError(LedgerError, PermissionError):
    """The signer may not submit this record (e.g. identity records need the service key)."""


class NotFoundError(LedgerError, LookupError):
    """A record, participant or proof asked for does not exist."""


class ConflictError(LedgerError, ValueError):
    """The request contradicts the ledger's state (e.g. a participant id already taken)."""


class NotInitialisedError(LedgerError, RuntimeError):
    """The ledger's database or service key is missing: run ``carbonledger init``."""


class FootprintInputError(LedgerError, ValueError):
    """A footprint or model input was refused by carbon_models; carries its message, record and field.

    carbon_models has its own error base, so the ledger turns its errors into this one
    (in :mod:`ledger.footprint_inputs`) wherever it calls carbon_models for a user; the CLI
    and the portal then report them like every other bad input. ``to_dict()["error"]``
    stays the name of carbon_models' error (``InvalidRecordError``, ``ModelIntegrityError``...),
    the name API clients and scripts have always seen.
    """

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None,
                 error: str | None = None) -> None:
        super().__init__(message, record=record, field=field)
        self.error = error or type(self).__name__

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "error": self.error}
