"""The leg estimator as the ledger sees it: trained on the ledger's own primary data,
registered as a record, and loaded only by a hash the ledger has registered.

A footprint that used an estimate names the model hash; an auditor fetches the artefact,
checks it hashes to a registered ``model`` record and reproduces the estimate. A model
directory whose content does not match its registered hash is refused.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from carbon_models.distance import ResolvedDistance, resolve_distance
from carbon_models.errors import FootprintError
from carbon_models.estimator import LightGBMLegEstimator, ModelIntegrityError, load_model, model_card_record
from ledger.errors import NotFoundError, SchemaError
from ledger.ingest import Receipt
from ledger.provenance import record_view
from ledger.records.schemas import TransportLegRecord
from ledger.service import Ledger

MODELS_DIR = "models"


@dataclass(frozen=True)
class TrainingLegs:
    legs: list[TransportLegRecord]
    distances: list[ResolvedDistance]
    skipped_without_fuel: int
    skipped_unresolved: int


def training_legs(ledger: Ledger) -> TrainingLegs:
    """Every transport leg in the log that carries primary fuel data, corrections applied."""
    legs: list[TransportLegRecord] = []
    distances: list[ResolvedDistance] = []
    no_fuel = unresolved = 0
    for stored in ledger.iter_records():
        if stored.kind != "transport_leg":
            continue
        content = record_view(ledger, stored).effective
        if content is None:
            continue
        leg = TransportLegRecord.model_validate(content)
        if not leg.fuel:
            no_fuel += 1
            continue
        try:
            distances.append(resolve_distance(leg))
        except FootprintError:
            if leg.distance_km is None:  # nothing to learn from without a distance
                unresolved += 1
                continue
            # the carrier's own distance, where the engine cannot place the endpoints to check it
            distances.append(ResolvedDistance(leg.distance_km, "actual"))
        legs.append(leg)
    return TrainingLegs(legs, distances, no_fuel, unresolved)


def register_model(ledger: Ledger, home: Path, model_dir: Path) -> tuple[str, Receipt]:
    """Verify a trained model, keep a copy under ``<home>/models/<hash>`` and record it."""
    try:
        model = load_model(model_dir)
    except ModelIntegrityError as exc:
        raise SchemaError(str(exc), field="model_dir") from None
    target = home / MODELS_DIR / model.model_hash
    if not target.exists():
        shutil.copytree(model_dir, target)
    receipt = ledger.sign_and_submit({"kind": "model", "schema_version": 1, "model_hash": model.model_hash,
                                      "card": model_card_record(model)})
    return model.model_hash, receipt


def load_registered(ledger: Ledger, home: Path, model_hash: str) -> LightGBMLegEstimator:
    """A model the ledger has registered, verified against that hash."""
    if not [r for r in ledger.records_by_ref("model_hash", model_hash) if r.kind == "model"]:
        raise NotFoundError(f"no model {model_hash} is registered in the ledger", field="model_hash")
    try:
        return load_model(home / MODELS_DIR / model_hash, expected_hash=model_hash)
    except ModelIntegrityError as exc:
        raise SchemaError(f"model {model_hash}: {exc}", field="model_hash") from None
