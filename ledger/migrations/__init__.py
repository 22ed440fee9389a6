"""Alembic migrations of the ledger schema (run by ``carbonledger init``)."""
