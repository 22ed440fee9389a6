"""Merkle log node hashes (complete perfect subtrees at every 4th height), append-only.

Revision ID: 0002_merkle_nodes
Revises: 0001_records
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER merkle_nodes_append_only BEFORE UPDATE OR DELETE ON merkle_nodes "
            "FOR EACH ROW EXECUTE FUNCTION carbonledger_refuse_change()"
        )
    elif dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER merkle_nodes_no_{action.lower()} BEFORE {action} ON merkle_nodes "
                f"BEGIN SELECT RAISE(ABORT, 'carbonledger: {action} on merkle_nodes refused: the table is append-only'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS merkle_nodes_append_only ON merkle_nodes")
    op.drop_table("merkle_nodes")
