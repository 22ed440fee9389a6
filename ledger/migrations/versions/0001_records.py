"""Records, their lookup refs and the identity projections, append-only.

Revision ID: 0001_records
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations.append_only import REFUSE_FUNCTION, allow_changes, create_refuse_function, refuse_changes

revision = "0001_records"
down_revision = None
branch_labels = ("ledger",)
depends_on = None

APPEND_ONLY_TABLES = ("records", "record_refs", "participants", "keys", "key_revocations")
"""Frozen copy of ledger.tables.APPEND_ONLY_TABLES as of this revision."""

seq_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("seq", seq_type, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("participant_id", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("submission_digest", sa.LargeBinary(32), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("submission_digest", name="uq_records_submission_digest"),
        sa.UniqueConstraint("leaf_hash", name="uq_records_leaf_hash"),
    )
    op.create_index("ix_records_kind", "records", ["kind"])
    op.create_index("ix_records_participant_id", "records", ["participant_id"])
    op.create_index("ix_records_received_at", "records", ["received_at"])
    op.create_table(
        "record_refs",
        sa.Column("ref_type", sa.String(32), primary_key=True),
        sa.Column("ref_value", sa.String(200), primary_key=True),
        sa.Column("seq", seq_type, sa.ForeignKey("records.seq"), primary_key=True),
    )
    op.create_index("ix_record_refs_seq", "record_refs", ["seq"])
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("registered_seq", seq_type, sa.ForeignKey("records.seq"), nullable=False),
    )
    op.create_table(
        "keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("participant_id", sa.String(200), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("registered_seq", seq_type, sa.ForeignKey("records.seq"), nullable=False),
    )
    op.create_index("ix_keys_participant_id", "keys", ["participant_id"])
    op.create_table(
        "key_revocations",
        sa.Column("key_id", sa.String(64), sa.ForeignKey("keys.key_id"), primary_key=True),
        sa.Column("revoked_seq", seq_type, sa.ForeignKey("records.seq"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    create_refuse_function()
    for table in APPEND_ONLY_TABLES:
        refuse_changes(table)


def downgrade() -> None:
    for table in APPEND_ONLY_TABLES:
        allow_changes(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {REFUSE_FUNCTION}()")
    for table in reversed(APPEND_ONLY_TABLES):
        op.drop_table(table)
