"""The portal's own migrations: its accounts, API tokens and audit reports.

A branch of the installation's Alembic history (label ``portal``) that the ledger applies
through the ``carbonledger.migrations`` entry point, so ``carbonledger init`` creates the
portal's tables while the ledger never imports the portal.
"""

from __future__ import annotations

from pathlib import Path

from ledger.migrate import MigrationBranch

BRANCH = MigrationBranch(
    label="portal",
    versions=Path(__file__).with_name("versions"),
    table_modules=("webapp.portal_tables",),
    legacy_revisions={
        "0004_portal_accounts": "p0001_accounts",
        "0006_audit_reports": "p0002_audit_reports",
        "0007_epcis_epc_refs": "p0002_audit_reports",
        "0008_portal_user_disabled": "p0003_user_disabled",
    },
)
