"""Ledger records: their schemas, canonical bytes, signatures and envelopes.

Everything in this package is pure (no database, network or clock), so the same code
verifies a record in the service, in ``carbonledger verify`` and in an auditor's tool.
"""
