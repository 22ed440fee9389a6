"""Portal users can be disabled: ``disabled_at`` set means no login and no API token works.

A column rather than deleting the row, so the account's API tokens and the audit reports
it made keep naming an existing user, and an admin can enable it again.

Revision ID: p0003_user_disabled
Revises: p0002_audit_reports
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0003_user_disabled"
down_revision = "p0002_audit_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("portal_users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_users") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("disabled_at")
