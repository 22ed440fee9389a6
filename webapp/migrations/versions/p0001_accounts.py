"""Portal users and API tokens (hashed): the first migration of the portal's own branch.

Revision ID: p0001_accounts
Revises:
Depends on: 0001_records
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0001_accounts"
down_revision = None
branch_labels = ("portal",)
depends_on = "0001_records"


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


def downgrade() -> None:
    op.drop_table("portal_api_tokens")
    op.drop_table("portal_users")
