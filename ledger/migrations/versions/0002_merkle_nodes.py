"""Merkle log node hashes (complete perfect subtrees at every 4th height), append-only.

Revision ID: 0002_merkle_nodes
Revises: 0001_records
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations.append_only import allow_changes, refuse_changes

revision = "0002_merkle_nodes"
down_revision = "0001_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger(), primary_key=True),
        sa.Column("idx", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    refuse_changes("merkle_nodes")


def downgrade() -> None:
    allow_changes("merkle_nodes")
    op.drop_table("merkle_nodes")
