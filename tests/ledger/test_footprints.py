"""Footprints as ledger records: the right inputs, corrections applied, reproducible bytes."""

from __future__ import annotations

from pathlib import Path

import rfc8785

from carbon_models import OrderFootprint, footprint_order
from ledger import demo, footprints
from ledger.service import Ledger


def test_demo_footprints_are_recorded_and_reproducible(ledger: Ledger, tmp_path: Path) -> None:
    demo.load(ledger, tmp_path / "keys")
    stored = footprints.latest_footprint(ledger, "ORD-TEA-1001")
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
    demo.load(ledger, tmp_path / "keys")
    stored = footprints.latest_footprint(ledger, "ORD-TEA-1003")
    kinds = {ledger.record_by_leaf_hash(bytes.fromhex(h)).kind for h in stored.record["inputs"]}
    assert "correction" in kinds  # the re-weighed parcel, not the original
    result = OrderFootprint.from_record_result(stored.record["result"])
    corrected_mass = next(r["mass_kg"] for _, r in demo.records_by_participant()
                          if r.get("shipment_id") == demo.CORRECTED_SHIPMENT) + 0.15
    assert abs(result.mass_kg - corrected_mass) < 1e-6
    assert footprints.record_footprint(ledger, "ORD-TEA-1003").duplicate  # same inputs, same bytes
