"""ORM tables of accepted records and the identity projections derived from them.

Only ever inserted into: a record row is the stored form of an envelope the Merkle log
commits to, so editing one would silently break every proof that covers it. Corrections
are new records; key revocations are new rows. The migrations add database triggers
that refuse UPDATE and DELETE on these tables as a second line of defence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base

SeqType = BigInteger().with_variant(Integer(), "sqlite")
"""Log positions: 64-bit on PostgreSQL; SQLite's INTEGER is already 64-bit and only the
exact spelling INTEGER PRIMARY KEY makes the column the fast rowid."""

APPEND_ONLY_TABLES = ("records", "record_refs", "participants", "keys", "key_revocations")
"""Tables the migrations guard with UPDATE/DELETE-refusing triggers."""


class RecordRow(Base):
    """One accepted record: its envelope bytes exactly as hashed into the log."""

    __tablename__ = "records"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    participant_id: Mapped[str] = mapped_column(String(200), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    submission_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("submission_digest", name="uq_records_submission_digest"),
        UniqueConstraint("leaf_hash", name="uq_records_leaf_hash"),
    )


class RecordRef(Base):
    """Business identifiers a record mentions (order, shipment, GTIN...), for lookups."""

    __tablename__ = "record_refs"

    ref_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    ref_value: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(SeqType, ForeignKey("records.seq"), primary_key=True)

    __table_args__ = (Index("ix_record_refs_seq", "seq"),)


class ParticipantRow(Base):
    """A registered participant, projected from its ``participant`` record."""

    __tablename__ = "participants"

    participant_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    registered_seq: Mapped[int] = mapped_column(SeqType, ForeignKey("records.seq"))


class KeyRow(Base):
    """A public key bound to a participant, projected from its ``key`` record."""

    __tablename__ = "keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(200), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    registered_seq: Mapped[int] = mapped_column(SeqType, ForeignKey("records.seq"))


class KeyRevocationRow(Base):
    """A revocation: records signed with the key after ``revoked_seq`` are refused."""

    __tablename__ = "key_revocations"

    key_id: Mapped[str] = mapped_column(String(64), ForeignKey("keys.key_id"), primary_key=True)
    revoked_seq: Mapped[int] = mapped_column(SeqType, ForeignKey("records.seq"))
    reason: Mapped[str | None] = mapped_column(Text)
