"""Portal users, API tokens (hashed) and custodial keys (encrypted).

Revision ID: 0004_portal_accounts
Revises: 0003_checkpoints
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_portal_accounts"
down_revision = "0003_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("participant_id", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "portal_api_tokens",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("username", sa.String(100), sa.ForeignKey("portal_users.username"), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_api_tokens_username", "portal_api_tokens", ["username"])
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
    op.drop_table("portal_api_tokens")
    op.drop_table("portal_users")
