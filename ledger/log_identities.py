"""Keys and participants as the log's own records establish them, replayed in log order.

The ``keys``, ``key_revocations`` and ``participants`` tables are projections that ingest
writes beside each identity record, and signatures are checked against them; a row
inserted or edited there in SQL would let a forged record verify. Whoever must not trust
the database (the audit, the anchorer) rebuilds identities from the records instead,
applying the rules ingest applied: the first record is the operator's key signing itself,
every later identity record is signed by an operator key, a key is registered once to an
existing participant and revoked at most once, by its owner's name.

Pure: it is fed records already read and parsed; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.records.signing import from_b64url, key_id_for

IDENTITY_KINDS = ("participant", "key")
"""Record kinds that change who may sign what."""


@dataclass
class KeyState:
    """A key as its records left it: registered at ``registered_seq``, maybe revoked since."""

    key_id: str
    participant_id: str
    public_key: bytes
    registered_seq: int
    revoked_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ParticipantState:
    """A participant as its ``participant`` record registered it."""

    participant_id: str
    name: Any
    roles: Any
    country: Any
    registered_seq: int


@dataclass(frozen=True)
class IdentityProblem:
    """An identity record the log holds but ingest would have refused: what was expected, what is there."""

    expected: str
    found: str


class LogIdentities:
    """The identities established by the records applied so far (in log order)."""

    def __init__(self) -> None:
        self.keys: dict[str, KeyState] = {}
        self.participants: dict[str, ParticipantState] = {}
        self.operator_id: str | None = None

    def signer(self, key_id: Any) -> KeyState | None:
        """The key ``key_id`` names, if a record registered it (any value is accepted, so a
        malformed envelope's key id is simply unknown)."""
        return self.keys.get(key_id) if isinstance(key_id, str) else None

    def apply(self, seq: int, record: Any, signer_key_id: Any) -> IdentityProblem | None:
        """Apply record ``seq`` if it is an identity record; the reason ingest would refuse it, if so.

        A refused record changes nothing: the key it registers stays unknown, so what that
        key signed is reported as signed by an unknown key.
        """
        if not isinstance(record, dict) or record.get("kind") not in IDENTITY_KINDS:
            return None
        if seq == 0:
            return self._genesis(record, signer_key_id)
        signer = self.signer(signer_key_id)
        if self.operator_id is None or signer is None or signer.participant_id != self.operator_id:
            owner = "an unknown key" if signer is None else f"key {signer.key_id} of {signer.participant_id}"
            return IdentityProblem(f"signed by a key of the operator {self.operator_id}", f"signed by {owner}")
        if record["kind"] == "participant":
            return self._participant(seq, record)
        if record.get("action") == "register":
            return self._register(seq, record)
        if record.get("action") == "revoke":
            return self._revoke(seq, record)
        return IdentityProblem("action register or revoke", f"action {record.get('action')!r}")

    def _genesis(self, record: dict[str, Any], signer_key_id: Any) -> IdentityProblem | None:
        """Record 0 registers the operator's key, signed by that key: the root of all authority."""
        key_id = record.get("key_id")
        if record.get("kind") != "key" or record.get("action") != "register" or key_id != signer_key_id:
            return IdentityProblem("the operator's key registering itself", "another record")
        return self._register(0, record, genesis=True)

    def _participant(self, seq: int, record: dict[str, Any]) -> IdentityProblem | None:
        participant_id = record.get("participant_id")
        if not isinstance(participant_id, str):
            return IdentityProblem("a participant id", repr(participant_id))
        if participant_id in self.participants:
            first = self.participants[participant_id].registered_seq
            return IdentityProblem(f"participant {participant_id} registered once",
                                   f"already registered by record {first}")
        self.participants[participant_id] = ParticipantState(
            participant_id, record.get("name"), record.get("roles"), record.get("country"), seq)
        return None

    def _register(self, seq: int, record: dict[str, Any], genesis: bool = False) -> IdentityProblem | None:
        key_id, participant_id = record.get("key_id"), record.get("participant_id")
        try:
            public = from_b64url(record.get("public_key"))  # type: ignore[arg-type]
        except ValueError:
            return IdentityProblem("a base64url public key", repr(record.get("public_key")))
        if not isinstance(key_id, str) or key_id != key_id_for(public):
            return IdentityProblem(f"key id {key_id_for(public)} for this public key", repr(key_id))
        if not isinstance(participant_id, str) or not (genesis or participant_id in self.participants):
            return IdentityProblem("a registered participant", f"participant {participant_id!r} is not registered")
        if key_id in self.keys:
            return IdentityProblem(f"key {key_id} registered once",
                                   f"already registered by record {self.keys[key_id].registered_seq}")
        self.keys[key_id] = KeyState(key_id, participant_id, public, seq)
        if genesis:
            self.operator_id = participant_id
        return None

    def _revoke(self, seq: int, record: dict[str, Any]) -> IdentityProblem | None:
        key = self.signer(record.get("key_id"))
        if key is None or key.participant_id != record.get("participant_id"):
            return IdentityProblem(f"a key registered to {record.get('participant_id')}",
                                   f"key {record.get('key_id')} is not")
        if key.revoked_seq is not None:
            return IdentityProblem(f"key {key.key_id} revoked once", f"already revoked by record {key.revoked_seq}")
        key.revoked_seq = seq
        key.reason = record.get("reason")
        return None
