"""The WBCSD PACT (Pathfinder) REST API v2 and v3 over the ledger's footprint records."""
