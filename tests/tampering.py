"""What an attacker with write access to the database does, for tests that must catch it."""

from __future__ import annotations

from sqlalchemy import Engine, text


def drop_append_only_guards(engine: Engine) -> None:
    """Remove the triggers that refuse UPDATE and DELETE on ``records`` (SQLite or PostgreSQL)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS records_no_update"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS records_append_only ON records"))
