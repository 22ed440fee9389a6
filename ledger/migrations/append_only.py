"""Triggers that make a table append-only, for the migrations that create such tables.

Shared by revisions on purpose: the SQL they emit must stay identical for every table,
and changing it means a new revision that replaces the triggers, not an edit here.
"""

from __future__ import annotations

from alembic import op

REFUSE_FUNCTION = "carbonledger_refuse_change"


def create_refuse_function() -> None:
    """The PostgreSQL trigger function (once, in the first revision)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'carbonledger: % on % refused: the table is append-only', TG_OP, TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )


def refuse_changes(table: str) -> None:
    """Make UPDATE and DELETE on ``table`` fail, on PostgreSQL and SQLite."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {REFUSE_FUNCTION}()")
    elif dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'carbonledger: {action} on {table} refused: "
                       f"the table is append-only'); END")


def allow_changes(table: str) -> None:
    """Drop the triggers :func:`refuse_changes` created (for downgrades)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    elif dialect == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
