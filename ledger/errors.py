"""The ledger's exception hierarchy.

Every error a user can cause is a :class:`LedgerError` carrying a message meant for that
user; subclasses also inherit the matching built-in (``ValueError``, ``LookupError``,
``PermissionError``) so callers that only know Python's built-ins still catch them
correctly. The portal and CLI turn these, and only these, into 4xx answers / exit 2.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.record = record
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, str]:
        """The JSON shape of this error in API answers and ``--json`` output."""
        out = {"error": type(self).__name__, "message": self.message}
        if self.record is not None:
            out["record"] = self.record
        if self.field is not None:
            out["field"] = self.field
        return out


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
