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


def _stamp_legacy(engine: Engine, revision: str) -> None:
    """Leave the version table as the single linear history (before the branches) left it."""
    from sqlalchemy import text

    from ledger.db import write_transaction

    with write_transaction(engine) as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


def test_a_database_of_the_linear_history_is_adopted(migrated_engine: Engine) -> None:
    _stamp_legacy(migrated_engine, "0008_portal_user_disabled")  # every table there, one version row
    assert not migrate.is_current(migrated_engine)
    migrate.upgrade(migrated_engine)  # re-stamps only: running a migration again would fail on existing tables
    assert migrate.is_current(migrated_engine)
    test_migrations_match_the_models(migrated_engine)


def test_an_older_linear_database_gets_the_migrations_it_missed(migrated_engine: Engine) -> None:
    from alembic import command

    from ledger.db import write_transaction

    cfg = migrate.alembic_config(migrated_engine)
    with write_transaction(migrated_engine) as conn:  # back to what linear revision 0006 had built
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "p0002_audit_reports")
        command.downgrade(cfg, "0004_custodial_keys")
    _stamp_legacy(migrated_engine, "0006_audit_reports")
    migrate.upgrade(migrated_engine)
    assert migrate.is_current(migrated_engine)
    test_migrations_match_the_models(migrated_engine)
