"""Bring a database to the schema this code expects, with Alembic.

Called by ``carbonledger init`` and by the test fixtures, so tests exercise the same
migrations production runs rather than ``create_all``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

from ledger.db import Base, write_transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

TABLE_MODULES = ("ledger.models", "ledger.merkle_store", "ledger.checkpoints", "webapp.tables")
"""Every module that declares tables on ``ledger.db.Base``; a new one must be listed here
(the migration test then insists a migration creates its tables)."""


def load_all_tables() -> MetaData:
    """Import every table module and return the complete metadata."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction."""
    cfg = alembic_config(engine)
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head
