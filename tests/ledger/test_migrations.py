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


def test_downgrade_to_base_and_back(migrated_engine: Engine) -> None:
    from alembic import command

    from ledger.db import write_transaction

    cfg = migrate.alembic_config(migrated_engine)
    with write_transaction(migrated_engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert not migrate.is_current(migrated_engine)
    migrate.upgrade(migrated_engine)
    assert migrate.is_current(migrated_engine)
