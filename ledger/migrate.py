"""Bring a database to the schema this code expects, with Alembic.

Called by ``carbonledger init`` and by the test fixtures, so tests exercise the same
migrations production runs rather than ``create_all``.

The ledger's tables and those of packages built on it (the portal's accounts and
reports) are migrated in one Alembic history with one branch per package: the ledger's
branch lives in ``ledger/migrations/versions``, and each package that has tables of its
own declares a :class:`MigrationBranch` through the ``carbonledger.migrations``
entry-point group. So the ledger migrates the portal's tables without importing the
portal, and each package owns its migrations.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from ledger.db import Base, write_transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

PLUGIN_GROUP = "carbonledger.migrations"
"""Entry-point group whose entries name a :class:`MigrationBranch` (``package.module:BRANCH``)."""


@dataclass(frozen=True)
class MigrationBranch:
    """One package's migrations: an Alembic branch in its own versions folder.

    ``table_modules`` declare the package's tables on :data:`ledger.db.Base` (the
    migration test insists the migrations create exactly those). ``legacy_revisions``
    maps a revision of the single linear history used before the split into branches to
    this branch's revision holding the same schema, so an installation made then is
    adopted without re-running anything.
    """

    label: str
    versions: Path
    table_modules: tuple[str, ...]
    legacy_revisions: Mapping[str, str] = field(default_factory=dict)


LEDGER_BRANCH = MigrationBranch(
    label="ledger",
    versions=MIGRATIONS_DIR / "versions",
    table_modules=("ledger.tables", "ledger.merkle_store", "ledger.checkpoints", "ledger.custodial_keys"),
    legacy_revisions={
        "0004_portal_accounts": "0004_custodial_keys",
        "0006_audit_reports": "0004_custodial_keys",
        "0007_epcis_epc_refs": "0005_epcis_epc_refs",
        "0008_portal_user_disabled": "0005_epcis_epc_refs",
    },
)


def branches() -> list[MigrationBranch]:
    """The ledger's branch, then every installed package's, by entry-point name."""
    found = [LEDGER_BRANCH]
    for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda ep: ep.name):
        branch = ep.load()
        if not isinstance(branch, MigrationBranch):
            raise TypeError(f"entry point {ep.value} ({PLUGIN_GROUP}) is not a MigrationBranch")
        found.append(branch)
    return found


def load_all_tables() -> MetaData:
    """Import every table module of every branch and return the complete metadata."""
    for branch in branches():
        for name in branch.table_modules:
            importlib.import_module(name)
    return Base.metadata


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(b.versions) for b in branches()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every pending migration of every branch in one transaction."""
    cfg = alembic_config(engine)
    with write_transaction(engine) as conn:
        _adopt_linear_history(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def is_current(engine: Engine) -> bool:
    """True when every branch is at its newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def _adopt_linear_history(conn: Connection) -> None:
    """Re-stamp a database made before the split: its one legacy revision becomes one per branch.

    Only the bookkeeping changes: each branch's mapped revision describes exactly the
    tables that legacy revision had created, so no migration runs twice.
    """
    if not inspect(conn).has_table("alembic_version"):
        return
    stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(stamped) != 1:
        return
    adopted = [b.legacy_revisions[stamped[0]] for b in branches() if stamped[0] in b.legacy_revisions]
    if not adopted:
        return
    conn.execute(text("DELETE FROM alembic_version"))
    for revision in adopted:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
