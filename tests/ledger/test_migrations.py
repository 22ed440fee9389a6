"""The Alembic migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from ledger import migrate


def test_migrations_match_the_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), migrate.load_all_tables())
    assert diff == []
    assert migrate.is_current(migrated_engine)


def test_upgrade_twice_is_harmless(migrated_engine: Engine) -> None:
    migrate.upgrade(migrated_engine)
    assert migrate.is_current(migrated_engine)
