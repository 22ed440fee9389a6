"""Custodial signing keys, sealed: the keys the installation holds for participants.

Created by the portal's first migration until the portal and the ledger got migrations of
their own; the table keeps its name.

Revision ID: 0004_custodial_keys
Revises: 0003_checkpoints
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_custodial_keys"
down_revision = "0003_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_custodial_keys",
        sa.Column("participant_id", sa.String(200), primary_key=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_custodial_keys")
