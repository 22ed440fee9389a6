"""Registering a participant from an admin's input, for the admin page and /api/v1/admin alike.

Everything that can be checked is checked before anything is appended, and the records
go in as one batch, so a refused request leaves no trace in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.custodial_keys import CustodialKeys
from ledger.errors import ConflictError, SchemaError
from ledger.ingest import BatchRejected, Receipt
from ledger.records.schemas import PARTICIPANT_ROLES
from ledger.records.signing import key_id_for, parse_public_key
from ledger.service import Ledger


@dataclass(frozen=True)
class NewParticipant:
    participant_id: str
    key_id: str
    custodial: bool
    receipts: list[Receipt]


def register_participant(ledger: Ledger, custodial_keys: CustodialKeys, participant_id: str, name: str, roles: Sequence[str],
                         country: str | None, public_key: str | None) -> NewParticipant:
    """Register a participant with its first key: ``public_key`` (base64url) if given, else a
    custodial key the portal creates and holds for it (portal submissions are signed with it).

    Raises :class:`SchemaError` naming the bad field (including an unknown role or a
    malformed key) and :class:`ConflictError` if the participant exists or the key is
    registered already: an identical participant record would otherwise be taken as a
    harmless repeat and the existing participant given one more key.
    """
    unknown = [r for r in roles if r not in PARTICIPANT_ROLES]
    if unknown:
        raise SchemaError(f"unknown role {unknown[0]!r}: choose from {', '.join(PARTICIPANT_ROLES)}", field="roles")
    if not roles:
        raise SchemaError(f"choose at least one role of {', '.join(PARTICIPANT_ROLES)}", field="roles")
    raw_key = None
    if public_key is not None:
        try:
            raw_key = parse_public_key(public_key)
        except ValueError as exc:
            raise SchemaError(f"the public key {exc} (as `carbonledger keygen` prints it)", field="public_key") from None
    if participant_id in {p["participant_id"] for p in ledger.participants()}:
        raise ConflictError(f"participant {participant_id} already exists", field="participant_id")
    try:
        if raw_key is None:
            receipts, key_id = custodial_keys.register_participant(participant_id, name, list(roles), country)
        else:
            receipts = ledger.register_participant(participant_id, name, list(roles), country, public_key)
            key_id = key_id_for(raw_key)
    except BatchRejected as exc:  # our own two-record batch: its first error names the field at fault
        raise exc.errors[0][1] from None
    return NewParticipant(participant_id, key_id, raw_key is None, receipts)
