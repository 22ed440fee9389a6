"""Anchored checkpoints (append-only) and the anchorer's lease.

Revision ID: 0003_checkpoints
Revises: 0002_merkle_nodes
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations.append_only import allow_changes, refuse_changes

revision = "0003_checkpoints"
down_revision = "0002_merkle_nodes"
branch_labels = None
depends_on = None

size_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", size_type, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_address", sa.String(42), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "anchor_lease",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    refuse_changes("checkpoints")


def downgrade() -> None:
    allow_changes("checkpoints")
    op.drop_table("anchor_lease")
    op.drop_table("checkpoints")
