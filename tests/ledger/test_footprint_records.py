"""Footprints as ledger records: the right inputs, corrections applied, reproducible bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import rfc8785

from carbon_models import OrderFootprint, footprint_order
from ledger import demo_supply_chain, footprint_records, installation
from ledger.config import Config
from ledger.records.canonical import canonical_bytes
from ledger.service import Ledger


def test_demo_footprints_are_recorded_and_reproducible(ledger: Ledger, tmp_path: Path) -> None:
    demo_supply_chain.load(ledger, tmp_path / "keys")
    stored = footprint_records.latest_footprint(ledger, "ORD-TEA-1001")
    assert stored is not None and stored.participant_id == ledger.operator_id
    # an auditor recomputes from exactly the records named as inputs
    inputs = [ledger.record_by_leaf_hash(bytes.fromhex(h)) for h in stored.record["inputs"]]
    contents = [r.record["replacement"] if r.kind == "correction" else r.record for r in inputs]
    again = footprint_order([c for c in contents if c["kind"] == "shipment"],
                            [c for c in contents if c["kind"] == "transport_leg"],
                            [c for c in contents if c["kind"] == "hub_operation"], order_id="ORD-TEA-1001")
    assert again.canonical_json() == rfc8785.dumps(stored.record["result"])
    # co-loaded shipments of other orders are inputs too (allocation needs the whole vehicle)
    assert {"SH-TEA-1001", "SH-TEA-1002"} <= {c.get("shipment_id") for c in contents}


def test_corrections_feed_the_footprint(ledger: Ledger, tmp_path: Path) -> None:
    demo_supply_chain.load(ledger, tmp_path / "keys")
    stored = footprint_records.latest_footprint(ledger, "ORD-TEA-1003")
    kinds = {ledger.record_by_leaf_hash(bytes.fromhex(h)).kind for h in stored.record["inputs"]}
    assert "correction" in kinds  # the re-weighed parcel, not the original
    result = OrderFootprint.from_record_result(stored.record["result"])
    corrected_mass = next(r["mass_kg"] for _, r in demo_supply_chain.records_by_participant()
                          if r.get("shipment_id") == demo_supply_chain.CORRECTED_SHIPMENT) + 0.15
    assert abs(result.mass_kg - corrected_mass) < 1e-6
    assert footprint_records.record_footprint(ledger, "ORD-TEA-1003").duplicate  # same inputs, same bytes


DEMO_FOOTPRINT_SHA256 = {
    "ORD-ELEC-2001": "85addde0bf74de9f3c4687534d7a4db6e11df9f237c8eae77fe1c3b77941967f",
    "ORD-ELEC-2002": "d3988cf6fb2ac5396174e28de6d6a8a1c26047d6d218f895fa887fd17d9fe752",
    "ORD-TEA-1001": "9a18afc528ae8f811dbc6c850a8da585fc55c53890d8169d22eff79420e4558c",
    "ORD-TEA-1002": "01258cda8f36b67d79469546c71ce5217902a413b967a16bd5383239035e9425",
    "ORD-TEA-1003": "9dd011981d47b657c6cdb6c8f81d7be65b8c9f6af5e39e7146ba4356b135647f",
}
"""SHA-256 of the canonical bytes of each demo order's recorded ``result``.

Golden values, computed on the code before carbon_models got its own input types and
errors (commit da34efc): the demo loaded into a fresh installation, then for every
``footprint`` record ``sha256(canonical_bytes(record["result"]))``. A refactor of the
footprint engine or of how the ledger hands it records must leave them unchanged; a
deliberate change of method bumps ``METHOD_VERSION`` and these values with it.
"""


def test_demo_footprints_are_byte_identical_to_the_golden_values(db_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    ledger = installation.init(Config(home=home, database_url=db_url, chain="tester")).ledger
    try:
        demo_supply_chain.load(ledger, home / "demo-keys")
        recorded = {stored.record["order_id"]: hashlib.sha256(canonical_bytes(stored.record["result"])).hexdigest()
                    for stored in ledger.records_of_kind("footprint", limit=1000)}
    finally:
        ledger.engine.dispose()
    assert recorded == DEMO_FOOTPRINT_SHA256
