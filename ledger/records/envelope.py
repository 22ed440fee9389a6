"""The envelope: what the log commits to for each accepted record.

``{"key_id", "received_at", "record", "seq", "signature"}`` in RFC 8785 form. The leaf
hash is ``SHA-256(0x00 || canonical envelope)`` (RFC 6962 leaf hashing), so the log
commits not only to what the submitter signed but to when the service received it and
where it sits in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ledger.errors import SchemaError
from ledger.merkle import leaf_hash
from ledger.records.canonical import canonical_bytes
from ledger.records.ijson import MAX_DEPTH, parse_json


def format_received_at(moment: datetime) -> str:
    """UTC, microsecond precision, ``Z`` suffix: one spelling per instant."""
    if moment.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def envelope_bytes(canonical_record: bytes, key_id: str, signature: str, received_at: str, seq: int) -> bytes:
    """The canonical envelope, assembled around an already canonical record.

    Equal to ``canonical_bytes(envelope_dict)`` (the member names are ASCII and already in
    JCS order) but avoids canonicalising the record a second time on the ingest path.
    """
    return b"".join((
        b'{"key_id":', canonical_bytes(key_id),
        b',"received_at":', canonical_bytes(received_at),
        b',"record":', canonical_record,
        b',"seq":', str(int(seq)).encode("ascii"),
        b',"signature":', canonical_bytes(signature),
        b"}",
    ))


@dataclass(frozen=True)
class Envelope:
    """An accepted record as committed to by the log."""

    record: dict[str, Any]
    key_id: str
    signature: str
    received_at: str
    seq: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "received_at": self.received_at,
            "record": self.record,
            "seq": self.seq,
            "signature": self.signature,
        }

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_dict())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical())

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        """Parse stored envelope bytes (does not check they are canonical).

        Depth-bounded (:func:`~ledger.records.ijson.parse_json`), so tampered bytes nested
        100,000 deep cannot exhaust the stack of a page or an audit: they raise a plain
        ``ValueError`` like any other unreadable envelope (not a ``SchemaError``: a store
        that no longer parses is the server's problem, not bad input from whoever asked).
        Not strict about names or NaN: the leaf hash of the raw bytes, and the canonical
        form verification recomputes, catch any such edit.
        """
        try:
            obj = parse_json(data, max_depth=MAX_DEPTH + 1, strict=False)  # one object around the record
        except SchemaError as exc:
            raise ValueError(f"stored envelope {exc.message}") from None
        return cls.from_dict(obj)

    @classmethod
    def from_dict(cls, obj: Any) -> Envelope:
        """An envelope from its JSON object (as a bundle carries it); ``KeyError``/``TypeError`` if malformed."""
        return cls(
            record=obj["record"],
            key_id=obj["key_id"],
            signature=obj["signature"],
            received_at=obj["received_at"],
            seq=obj["seq"],
        )
