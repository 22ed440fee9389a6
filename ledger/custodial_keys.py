"""Custodial signing: keys the installation holds for participants, sealed at rest, and the one way to sign with them.

Most suppliers use the portal rather than a key of their own; the installation then
holds their Ed25519 key. Every path that signs for a participant (form, upload, EPCIS
capture, admin onboarding and key rotation) goes through :class:`CustodialKeys`, so
sealing, unsealing, signing and submitting are written once and behave alike.

A private key is sealed with AES-256-GCM under a key derived (HKDF) from the
installation secret, bound to the participant id as associated data, so a ciphertext
copied into another participant's row does not decrypt. A database dump alone lets
nobody sign. The table keeps its historical name ``portal_custodial_keys``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, DateTime, LargeBinary, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base, write_transaction
from ledger.errors import ConflictError, NotAuthorisedError, NotFoundError, SchemaError
from ledger.ingest import Receipt
from ledger.records.signing import SigningKey
from ledger.service import Ledger

SEAL_INFO = b"carbonledger/custodial-keys/v1"
"""HKDF info string: versions the sealing scheme, and keeps the sealing key apart from any
other key derived from the same installation secret."""

ROTATION_REASON = "custodial key rotated by the portal"
"""Kept in the revocation record when the admin gives no reason, so the log says why."""

SIGN_STEP = 100
"""Records signed between progress reports: a job page's bar moves smoothly without a state
saved per record."""


class CustodialKeyRow(Base):
    """A participant's signing key held by the installation, sealed with the installation secret."""

    __tablename__ = "portal_custodial_keys"

    participant_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class KeyRotation:
    """A custodial key rotation as the log holds it.

    ``revoked_seq`` is None when the old key needed no revocation (already revoked, or
    never registered because a run stopped between storing and registering it).
    """

    participant_id: str
    old_key_id: str
    new_key_id: str
    registered_seq: int
    revoked_seq: int | None


class Progress(Protocol):
    """Told what a long submission is doing, so a job page can move its bar."""

    def begin(self, phase: str, total: int) -> None:
        """A phase starts ("signing", then "verifying and storing") over ``total`` records."""

    def advance(self, count: int) -> None:
        """``count`` more records of the current phase are done."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CustodialKeys:
    """Seals, unseals and signs with the keys held for participants, and submits what they sign."""

    def __init__(self, ledger: Ledger, secret: bytes) -> None:
        self.ledger = ledger
        self._seal_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_INFO).derive(secret)

    # -- signing -------------------------------------------------------------------
    def submit(self, participant_id: str, records: Sequence[dict[str, Any]],
               progress: Progress | None = None) -> list[Receipt]:
        """Sign ``records`` as ``participant_id`` and append them all-or-nothing.

        The participant must come from the authenticated caller (a supplier account's
        binding), never from the records. Raises ``BatchRejected`` listing every bad record,
        or the record's own :class:`~ledger.errors.LedgerError` for a batch of one.
        """
        key = self.key(participant_id)
        if progress is None:
            signed = [key.sign_record(r) for r in records]
            return self.ledger.submit_many(signed)
        progress.begin("signing", len(records))
        signed = []
        for start in range(0, len(records), SIGN_STEP):
            step = [key.sign_record(r) for r in records[start:start + SIGN_STEP]]
            signed += step
            progress.advance(len(step))
        progress.begin("verifying and storing", len(records))
        return self.ledger.submit_many(signed, progress.advance)

    def submit_one(self, participant_id: str, record: dict[str, Any]) -> Receipt:
        """Sign one record as ``participant_id`` and submit it; raises the record's own error."""
        return self.ledger.submit(self.key(participant_id).sign_record(record))

    def key(self, participant_id: str) -> SigningKey:
        """The participant's custodial signing key, created and registered on first use.

        Only for a participant with no key of its own: one that signs with its own key
        never gets a custodial key implicitly (raises :class:`NotAuthorisedError`), since
        the portal would then sign in its name; an admin may add one with :meth:`add`.
        """
        with self.ledger.engine.connect() as conn:
            row = conn.execute(
                select(CustodialKeyRow).where(CustodialKeyRow.participant_id == participant_id)
            ).first()
        if row is not None:
            key = SigningKey.from_pem(AESGCM(self._seal_key).decrypt(row.nonce, row.ciphertext, participant_id.encode()))
            try:
                self.ledger.public_key(key.key_id)
            except NotFoundError:  # a previous run stored the key but stopped before registering it
                self.ledger.register_key(participant_id, key.public_b64, custody="custodial")
            return key
        self.ledger.require_participant(participant_id)
        own = [k["key_id"] for p in self.ledger.participants() if p["participant_id"] == participant_id
               for k in p["keys"] if not k["revoked"]]
        if own:
            raise NotAuthorisedError(f"{participant_id} signs with its own key ({own[0]}); the portal does not sign "
                                     "for it unless an admin adds a custodial key, with a reason",
                                     field="participant_id")
        return self._create(participant_id, None)

    def holds(self, participant_id: str) -> bool:
        """Whether the installation holds a key for ``participant_id``."""
        with self.ledger.engine.connect() as conn:
            return conn.execute(select(CustodialKeyRow.key_id)
                                .where(CustodialKeyRow.participant_id == participant_id)).first() is not None

    def add(self, participant_id: str, reason: str) -> SigningKey:
        """Give a participant that has keys of its own a custodial key too, explicitly.

        The admin's reason goes into the key's registration record, so the log says why
        the portal may sign for this participant. Raises :class:`ConflictError` if the
        portal already holds a key for it, :class:`SchemaError` without a reason.
        """
        if not reason.strip():
            raise SchemaError("say why the portal should sign for this participant", field="reason")
        self.ledger.require_participant(participant_id)
        if self.holds(participant_id):
            raise ConflictError(f"the portal already holds a key for {participant_id}", field="participant_id")
        return self._create(participant_id, reason.strip())

    def _create(self, participant_id: str, reason: str | None) -> SigningKey:
        key = SigningKey.generate()
        try:
            with write_transaction(self.ledger.engine) as conn:
                self._store(conn, participant_id, key)
        except IntegrityError:  # created concurrently by another worker: use theirs
            return self.key(participant_id)
        self.ledger.register_key(participant_id, key.public_b64, custody="custodial", reason=reason)
        return key

    # -- participants and rotation -------------------------------------------------
    def register_participant(self, participant_id: str, name: str, roles: list[str],
                             country: str | None = None) -> tuple[list[Receipt], str]:
        """Register a participant whose signing key the installation creates and holds.

        The key is stored in the transaction that appends the participant and key records,
        so either both exist or neither: no participant is left with a key nobody holds.
        Returns the receipts and the new key's id; raises what registration raises, and
        :class:`ConflictError` if a key is already held for ``participant_id``.
        """
        key = SigningKey.generate()
        try:
            receipts = self.ledger.register_participant(participant_id, name, roles, country, key.public_b64,
                                                        within=lambda conn: self._store(conn, participant_id, key),
                                                        custody="custodial")
        except IntegrityError:
            raise ConflictError(f"the portal already holds a key for {participant_id}", field="participant_id") from None
        return receipts, key.key_id

    def rotate(self, participant_id: str, reason: str | None = None) -> KeyRotation:
        """Replace the participant's custodial key with a new one, atomically.

        The new key is registered and the old one revoked in one log batch, and the sealed
        key is swapped in the same database transaction: either the new key signs from now
        on and the old one is revoked as of this batch (records it signed before stay
        valid), or, on any failure, nothing changed and the old key stays in use.

        Raises :class:`NotFoundError` for an unknown participant or one without a custodial
        key (it is created on the participant's first portal submission), and
        :class:`ConflictError` if another rotation replaced the key meanwhile.
        """
        with self.ledger.engine.connect() as conn:
            old_key_id = conn.execute(
                select(CustodialKeyRow.key_id).where(CustodialKeyRow.participant_id == participant_id)
            ).scalar()
        if old_key_id is None:
            self.ledger.require_participant(participant_id)
            raise NotFoundError(f"participant {participant_id} has no custodial key yet; it is created on the "
                                "first portal submission", field="participant_id")
        key = SigningKey.generate()

        def swap(conn: Connection) -> None:
            swapped = conn.execute(
                update(CustodialKeyRow)
                .where(CustodialKeyRow.participant_id == participant_id, CustodialKeyRow.key_id == old_key_id)
                .values(**self._sealed(participant_id, key))
            )
            if swapped.rowcount != 1:
                raise ConflictError(f"the custodial key of {participant_id} changed during the rotation; try again",
                                    field="participant_id")

        receipts = self.ledger.rotate_key(participant_id, key.public_b64, old_key_id, reason or ROTATION_REASON,
                                          within=swap, custody="custodial")
        return KeyRotation(participant_id, old_key_id, key.key_id, receipts[0].seq,
                           receipts[1].seq if len(receipts) > 1 else None)

    # -- sealing -----------------------------------------------------------------------
    def _store(self, conn: Connection, participant_id: str, key: SigningKey) -> None:
        conn.execute(insert(CustodialKeyRow).values(participant_id=participant_id, **self._sealed(participant_id, key)))

    def _sealed(self, participant_id: str, key: SigningKey) -> dict[str, Any]:
        """The row values holding ``key`` sealed for ``participant_id``."""
        nonce = os.urandom(12)
        sealed = AESGCM(self._seal_key).encrypt(nonce, key.to_pem(), participant_id.encode())
        return {"key_id": key.key_id, "nonce": nonce, "ciphertext": sealed, "created_at": _now()}

