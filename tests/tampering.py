"""What an attacker with write access to the database does, for tests that must catch it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, text


def drop_append_only_guards(engine: Engine, tables: Iterable[str] = ("records",)) -> None:
    """Remove the triggers that refuse UPDATE and DELETE on ``tables`` (SQLite or PostgreSQL)."""
    with engine.begin() as conn:
        for table in tables:
            if conn.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
