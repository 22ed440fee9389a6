"""Checkpoints of the log as anchored on chain, and the anchorer's lease.

A checkpoint row is written only after its transaction is confirmed on chain, and is
never changed afterwards: the chain is the source of truth and this table is the
service's record of where each checkpoint landed (transaction, block), so proof bundles
can name them without scanning the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Connection, DateTime, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base

SizeType = BigInteger().with_variant(Integer(), "sqlite")


class CheckpointRow(Base):
    """A tree size and root confirmed on chain."""

    __tablename__ = "checkpoints"

    tree_size: Mapped[int] = mapped_column(SizeType, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract_address: Mapped[str] = mapped_column(String(42))
    tx_hash: Mapped[str] = mapped_column(String(66))
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnchorLeaseRow(Base):
    """Who may anchor right now: one row, taken by compare-and-set with an expiry.

    A lease rather than a held database lock, so a SIGKILLed anchorer blocks nobody for
    longer than its lease, and the lease works the same on SQLite and PostgreSQL.
    """

    __tablename__ = "anchor_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Checkpoint:
    """A confirmed checkpoint as the rest of the ledger sees it."""

    tree_size: int
    root: bytes
    chain_id: int
    contract_address: str
    tx_hash: str
    block_number: int
    block_time: datetime


def _from_row(row: CheckpointRow | object) -> Checkpoint:
    r = row  # a Row with the table's columns
    return Checkpoint(r.tree_size, r.root, r.chain_id, r.contract_address, r.tx_hash,  # type: ignore[attr-defined]
                      r.block_number, r.block_time)  # type: ignore[attr-defined]


def latest(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(CheckpointRow).order_by(CheckpointRow.tree_size.desc()).limit(1)).first()
    return _from_row(row) if row else None


def covering(conn: Connection, seq: int) -> Checkpoint | None:
    """The first checkpoint that includes record ``seq`` (its tree size exceeds ``seq``)."""
    row = conn.execute(
        select(CheckpointRow).where(CheckpointRow.tree_size > seq).order_by(CheckpointRow.tree_size).limit(1)
    ).first()
    return _from_row(row) if row else None


def all_checkpoints(conn: Connection) -> list[Checkpoint]:
    return [_from_row(r) for r in conn.execute(select(CheckpointRow).order_by(CheckpointRow.tree_size)).all()]
