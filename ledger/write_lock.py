"""The single-writer lock of the log.

Sequence numbers and Merkle nodes must be assigned by one writer at a time, across
every process sharing the database (web workers, CLI, anchoring worker). On SQLite the
engine already opens every transaction with ``BEGIN IMMEDIATE`` (see ``ledger.db``),
which is that lock; on PostgreSQL a transaction-scoped advisory lock plays the role and
is released by the commit or rollback that ends the transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

LOG_WRITE_LOCK_ID = 0x43_4C_4C_4F_47  # "CLLOG"
"""Advisory lock key; any constant works as long as every writer uses the same one."""


def acquire_write_lock(conn: Connection) -> None:
    """Block until this transaction is the log's only writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOG_WRITE_LOCK_ID})
