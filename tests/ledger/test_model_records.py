"""The estimator inside the ledger: trained from the log's own primary data, registered as a
record, loaded only by its registered hash, and named by the footprints that used it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from carbon_models import OrderFootprint
from carbon_models.estimator import TrainConfig, build_training_set, save_model, train_estimator
from carbon_models.estimator.simulator import simulate_fleet
from ledger import demo_supply_chain, footprint_records
from ledger.errors import NotFoundError, SchemaError
from ledger.model_records import MODELS_DIR, load_registered, register_model, training_legs
from ledger.records.signing import SigningKey
from ledger.service import Ledger


@pytest.fixture
def trained(ledger: Ledger, tmp_path: Path) -> Path:
    """600 simulated legs with fuel, submitted by their carriers, then trained on from the store."""
    legs, _ = simulate_fleet(600, np.random.default_rng(5))
    keys: dict[str | None, SigningKey] = {}
    for carrier in sorted({leg.carrier or "fleet-data" for leg in legs}):
        keys[None if carrier == "fleet-data" else carrier] = SigningKey.generate()
        key = keys[None if carrier == "fleet-data" else carrier]
        ledger.register_participant(carrier, carrier, ["carrier"], None, key.public_b64)
    # each carrier records the consignments it carries first: a leg can only be added to a recorded shipment
    ledger.submit_many([keys[leg.carrier].sign_record(_consignment(sid, leg.carrier or "fleet-data", leg))
                        for leg in legs for sid in leg.shipment_ids])
    ledger.submit_many([keys[leg.carrier].sign_record(
        {"schema_version": 1, "kind": "transport_leg", **leg.model_dump(mode="json", exclude_none=True)})
        for leg in legs])
    found = training_legs(ledger)
    # every leg either trains or is reported as lacking a distance the engine can resolve
    assert len(found.legs) + found.skipped_unresolved == 600 and found.skipped_without_fuel == 0
    assert len(found.legs) > 400
    model = train_estimator(build_training_set(found.legs, found.distances), TrainConfig(seed=3, max_rounds=200))
    out = tmp_path / "model"
    save_model(model, out)
    return out


def _consignment(shipment_id: str, shipper: str, leg: Any) -> dict[str, Any]:
    """A minimal shipment of the carrier's own for a simulated leg's cargo."""
    return {"schema_version": 1, "kind": "shipment", "shipment_id": shipment_id, "order_id": f"FLEET-{shipment_id}",
            "shipper": shipper, "consignee_country": "DE", "mass_kg": 100.0,
            "origin": leg.origin.model_dump(exclude_none=True), "destination": leg.destination.model_dump(exclude_none=True),
            "products": [{"gtin": "06901234567892", "description": "freight", "quantity": 1, "mass_kg": 100.0}]}


def test_register_load_and_use_in_a_recorded_footprint(ledger: Ledger, trained: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    model_hash, receipt = register_model(ledger, home, trained)
    assert ledger.record(receipt.seq).record["card"]["model_hash"] == model_hash
    assert register_model(ledger, home, trained)[1].duplicate  # registering twice adds nothing
    estimator = load_registered(ledger, home, model_hash)
    demo_supply_chain.load(ledger, tmp_path / "demo-keys")
    fp = ledger.record(footprint_records.record_footprint(ledger, "ORD-ELEC-2001", estimator=estimator).seq)
    result = OrderFootprint.from_record_result(fp.record["result"])
    assert result.estimator_model_hash == model_hash
    assert any(leg.method == "estimated" for leg in result.legs)


def test_unregistered_or_altered_models_are_refused(ledger: Ledger, trained: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(NotFoundError, match="is registered"):
        load_registered(ledger, home, "ab" * 32)
    model_hash, _ = register_model(ledger, home, trained)
    victim = next(p for p in (home / MODELS_DIR / model_hash).iterdir() if p.suffix == ".txt")
    victim.write_text(victim.read_text().replace("0.1", "0.2", 1))
    with pytest.raises(SchemaError, match=model_hash):
        load_registered(ledger, home, model_hash)
