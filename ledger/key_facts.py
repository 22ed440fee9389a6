"""What the log itself says about a signing key: who it belongs to, who holds it, whether it was compromised.

The keys table is a projection for fast lookups; anyone with database access could add
a row to it. The log's ``key`` records are what counts: a signature proves a record's
author only if the key's registration is in the log (signed by the operator, before the
record), and a revocation that says the key was compromised since some moment taints
everything received from then on. Verifiers read keys from here, never from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from ledger.service import Ledger, StoredRecord


@dataclass(frozen=True)
class KeyFacts:
    """A key as its records in the log describe it (None fields: no such record)."""

    key_id: str
    registration: StoredRecord | None
    revocation: StoredRecord | None

    @property
    def participant_id(self) -> str | None:
        return self.registration.record["participant_id"] if self.registration else None

    @property
    def public_key(self) -> str | None:
        return self.registration.record["public_key"] if self.registration else None

    @property
    def custody(self) -> str:
        """``own`` or ``custodial`` (keys registered before custody was recorded count as own)."""
        return (self.registration.record.get("custody") if self.registration else None) or "own"

    @property
    def compromised_since(self) -> datetime | None:
        raw = self.revocation.record.get("compromised_since") if self.revocation else None
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if isinstance(raw, str) else None

    def registered_before(self, seq: int) -> bool:
        return self.registration is not None and self.registration.seq < seq

    def compromised_when(self, received_at: datetime) -> bool:
        """Was the key reported compromised at a moment at or before ``received_at``?"""
        since = self.compromised_since
        return since is not None and received_at >= since


KeyLookup = Callable[[str], KeyFacts]
"""``key_id`` -> its :class:`KeyFacts`; verifiers take one so a page of records reads each key once."""


def key_lookup(ledger: Ledger) -> KeyLookup:
    """A lookup remembering each key it read: for one verification pass (an order, a report), not longer,
    since a later revocation must be seen by the next pass."""
    return cache(lambda key_id: key_facts(ledger, key_id))


def key_facts(ledger: Ledger, key_id: str) -> KeyFacts:
    """The registration and revocation records of ``key_id`` in the log (signed by the operator)."""
    registration = revocation = None
    for stored in ledger.records_by_ref("key_id", key_id):
        if stored.kind != "key" or stored.record.get("key_id") != key_id:
            continue
        if stored.participant_id != ledger.operator_id and stored.seq != 0:
            continue  # only the operator registers and revokes keys (genesis registers itself)
        action = stored.record.get("action")
        if action == "register" and registration is None:
            registration = stored
        elif action == "revoke" and revocation is None:
            revocation = stored
    return KeyFacts(key_id, registration, revocation)
