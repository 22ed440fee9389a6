"""The canonical EPC refs of the EPCIS events stored before ingest wrote them.

Ingest now records every identifier of an ``epcis_event`` in ``record_refs`` as its canonical
Digital Link (``ledger.epcis_index``), so ``MATCH_epc`` and friends read an index instead of
decoding every event; this adds the same refs for the events already in the log. Only inserts:
``record_refs`` stays append-only. Calls the live ``backfill`` on purpose: it is idempotent and
always writes the current canonical form, which is what queries compare with.

Revision ID: 0005_epcis_epc_refs
Revises: 0004_custodial_keys
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from ledger.epcis_index import backfill

revision = "0005_epcis_epc_refs"
down_revision = "0004_custodial_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    """Nothing: the refs are append-only like the rows they describe, and older code looks
    refs up by type, so it never sees the ``epc:`` ones."""
