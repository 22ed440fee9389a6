"""Audit reports kept by the portal, each fixed by an ``audit_report`` record in the log.

Revision ID: p0002_audit_reports
Revises: p0001_accounts
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0002_audit_reports"
down_revision = "p0001_accounts"
branch_labels = None
depends_on = None

seq_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_reports",
        sa.Column("report_id", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("record_seq", seq_type, sa.ForeignKey("records.seq"), nullable=False),
    )
    op.create_index("ix_audit_reports_created_at", "audit_reports", ["created_at"])


def downgrade() -> None:
    op.drop_table("audit_reports")
