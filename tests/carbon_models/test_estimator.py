"""The LightGBM leg estimator: determinism, physics, quantiles, coverage, protocol, fallbacks.

One small simulated fleet (6,000 legs) and one model are shared by the module; tests that
need a different model train their own. All figures here are on simulated legs.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from carbon_models import footprint_order
from carbon_models.distance import ResolvedDistance
from carbon_models.errors import InvalidRecordError
from carbon_models.estimator import (
    LightGBMLegEstimator,
    TrainConfig,
    build_training_set,
    load_model,
    model_card_record,
    save_model,
    train_estimator,
)
from carbon_models.estimator.evaluate import evaluate, heldout_split
from carbon_models.estimator.fuels import FUELS, fuel_energy_kwh
from carbon_models.estimator.simulator import simulate_fleet
from carbon_models.inputs import FuelUse, TransportLeg, validate_inputs
from carbon_models.leg_estimates import LegEstimate, LegEstimator
from tests.carbon_models.records import leg, shipment

N_LEGS = 6000
SEED = 11


@pytest.fixture(scope="module")
def fleet():
    legs, dists = simulate_fleet(N_LEGS, np.random.default_rng(SEED))
    return heldout_split(build_training_set(legs, dists), 0.2)


@pytest.fixture(scope="module")
def model(fleet) -> LightGBMLegEstimator:
    train, _ = fleet
    return train_estimator(train, TrainConfig(seed=SEED))


def _vary(record: TransportLeg, **changes) -> TransportLeg:
    return record.model_copy(update=changes)


def test_same_seed_same_model_hash(fleet, model) -> None:
    legs, dists = simulate_fleet(N_LEGS, np.random.default_rng(SEED))
    train, _ = heldout_split(build_training_set(legs, dists), 0.2)
    assert train.data_hash() == fleet[0].data_hash()
    again = train_estimator(train, TrainConfig(seed=SEED))
    assert again.model_hash == model.model_hash
    assert len(model.model_hash) == 64


def test_different_seed_different_model_hash(fleet, model) -> None:
    assert train_estimator(fleet[0], TrainConfig(seed=SEED + 1)).model_hash != model.model_hash


def test_implements_the_engine_protocol(model) -> None:
    estimator: LegEstimator = model
    assert isinstance(estimator.model_hash, str)
    record = leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 12_000, distance_km=300, carrier="road-carrier-01")
    fp = footprint_order([shipment("S1", 100)], [record], estimator=estimator)
    (out,) = fp.legs
    assert out.method == "estimated"
    assert fp.estimator_model_hash == model.model_hash
    assert out.p10_kg <= out.allocated.wtw_kg <= out.p90_kg


def test_quantiles_ordered_and_positive(fleet, model) -> None:
    _, test = fleet
    estimates = model.estimate_legs(test.legs, test.distances)
    assert len(estimates) == len(test)
    for est in estimates:
        assert isinstance(est, LegEstimate)
        assert 0 < est.p10_kg <= est.p50_kg <= est.p90_kg


def test_coverage_and_accuracy_on_heldout_window(fleet, model) -> None:
    _, test = fleet
    report = evaluate(model, test)
    overall = report["overall"]
    assert 0.75 <= overall["model_p50"]["p10_p90_coverage"] <= 0.85
    assert overall["mape_reduction_vs_default"] >= 0.40
    assert set(report["by_mode"]) == {"road", "rail", "sea", "air"}


@pytest.mark.parametrize("field,values", [
    ("payload_kg", [1_000.0, 5_000.0, 10_000.0, 18_000.0, 25_000.0, 29_000.0, 60_000.0]),
    ("empty_km", [0.0, 10.0, 50.0, 120.0, 400.0]),
])
def test_monotone_in_payload_and_empty_km(fleet, model, field, values) -> None:
    _, test = fleet
    road = [(lg, d) for lg, d in zip(test.legs, test.distances) if lg.mode == "road"][:40]
    for record, dist in road:
        varied = [_vary(record, **{field: v}) for v in values]
        q, ok = model.estimate_array(varied, [dist] * len(values))
        assert ok.all()
        assert (np.diff(q, axis=0) >= 0).all(), (record.leg_id, field, q)


def test_monotone_in_distance(fleet, model) -> None:
    _, test = fleet
    kms = [5.0, 20.0, 80.0, 200.0, 500.0, 1_500.0, 5_000.0, 12_000.0, 20_000.0]
    for record, dist in list(zip(test.legs, test.distances))[:60]:
        q, ok = model.estimate_array([record] * len(kms), [ResolvedDistance(km, dist.basis) for km in kms])
        assert ok.all()
        assert (np.diff(q, axis=0) >= 0).all(), (record.leg_id, q)


def _road_leg(**over) -> TransportLeg:
    record = leg("X1", ["S1"], "road", "hgv_artic_avg_laden", 15_000, origin={"name": "Hamburg", "unlocode": "DEHAM"},
                 destination={"name": "Berlin", "unlocode": "DEBER"})
    record.update(over)
    (typed,) = validate_inputs([record], TransportLeg, "legs")  # a dict in record form
    return typed


@pytest.mark.parametrize("over", [
    {"carrier": "never-seen-carrier"},
    {"origin": {"name": "Nairobi", "unlocode": "KENBO"}},
    {"origin": {"name": "Somewhere", "lat": 10.0, "lon": 10.0}},
    {},  # no carrier, no departure, no load factor, no empty km: all NaN
])
def test_unseen_or_missing_features_fall_back(model, over) -> None:
    (est,) = model.estimate_legs([_road_leg(**over)], [ResolvedDistance(290.0, "GCD")])
    assert est is not None and 0 < est.p10_kg <= est.p50_kg <= est.p90_kg


@pytest.mark.parametrize("over,dist", [
    ({"vehicle": "hgv_hydrogen_prototype"}, ResolvedDistance(290.0, "actual")),
    ({"mode": "inland_waterway", "vehicle": "barge_avg"}, ResolvedDistance(290.0, "actual")),
    ({}, ResolvedDistance(0.0, "actual")),
])
def test_unknown_vehicle_or_no_distance_gives_none(model, over, dist) -> None:
    ok_leg = _road_leg()
    assert model.estimate_legs([_road_leg(**over), ok_leg], [dist, ResolvedDistance(290.0, "actual")])[0] is None


def test_length_mismatch_is_a_value_error(model) -> None:
    with pytest.raises(ValueError, match="got 1 legs but 0 distances"):
        model.estimate_legs([_road_leg()], [])


def test_save_load_round_trip(tmp_path: Path, fleet, model) -> None:
    _, test = fleet
    assert save_model(model, tmp_path / "m") == model.model_hash
    loaded = load_model(tmp_path / "m", expected_hash=model.model_hash)
    assert loaded.model_hash == model.model_hash
    a, _ = model.estimate_array(test.legs[:200], test.distances[:200])
    b, _ = loaded.estimate_array(test.legs[:200], test.distances[:200])
    np.testing.assert_array_equal(a, b)
    record = model_card_record(loaded)
    assert record["model_hash"] == model.model_hash
    assert record["training_data_hash"] == fleet[0].data_hash()
    assert record["feature_schema"]["monotone"] == {"payload_kg": 1, "distance_km": 1, "empty_km": 1}


def _tamper_booster(path: Path) -> None:
    text = (path / "p50.txt").read_text()
    i = text.index("leaf_value=") + len("leaf_value=")
    (path / "p50.txt").write_text(text[:i] + "9" + text[i:])


def _tamper_metadata(path: Path) -> None:
    text = (path / "metadata.json").read_text()
    (path / "metadata.json").write_text(text.replace('"interval_adjustment": ', '"interval_adjustment": 1', 1))


@pytest.mark.parametrize("tamper", [_tamper_booster, _tamper_metadata, lambda p: (p / "p90.txt").unlink()])
def test_tampered_model_raises_integrity_error(tmp_path: Path, model, tamper) -> None:
    from carbon_models.estimator import ModelIntegrityError

    save_model(model, tmp_path / "m")
    tamper(tmp_path / "m")
    with pytest.raises(ModelIntegrityError):
        load_model(tmp_path / "m")


def test_expected_hash_mismatch_names_both_hashes(tmp_path: Path, model) -> None:
    from carbon_models.estimator import ModelIntegrityError

    save_model(model, tmp_path / "m")
    with pytest.raises(ModelIntegrityError) as info:
        load_model(tmp_path / "m", expected_hash="0" * 64)
    assert info.value.expected == "0" * 64 and info.value.calculated == model.model_hash


def test_training_set_skips_legs_it_cannot_label() -> None:
    base = _road_leg(fuel=[{"type": "diesel", "amount": 100.0, "unit": "l"}])
    legs = [base, _road_leg(), _road_leg(fuel=[{"type": "hydrogen", "amount": 3.0, "unit": "kg"}])]
    data = build_training_set(legs, [ResolvedDistance(290.0, "actual")] * 3)
    assert len(data) == 1 and data.skipped == {"no_fuel": 1, "unknown_fuel": 1, "no_distance": 0}
    assert math.isclose(data.energy_kwh[0], 100.0 * FUELS["diesel"].kwh_per_unit["l"])


def test_fuel_energy_sums_and_refuses_unknown_units() -> None:
    one_tonne = fuel_energy_kwh([FuelUse(type="VLSFO", amount=1.0, unit="t")])
    assert math.isclose(one_tonne, 714.86545 / 0.06291)
    assert fuel_energy_kwh([FuelUse(type="diesel", amount=1.0, unit="m3")]) is None


def test_fuel_energy_transcribed_from_desnz(factors_dir: Path) -> None:
    with (factors_dir / "desnz-2025" / "category_wtt_fuels.csv").open(encoding="latin-1") as fh:
        rows = {r["ID"]: float(r["GHG Conversion Factor 2025"]) for r in csv.DictReader(fh)
                if r["GHG Conversion Factor 2025"]}
    for name, (per_l, per_kwh) in {"diesel": ("11_101_1011_8_1", "11_101_1011_7_1"),
                                   "marine_fuel_oil": ("11_101_1024_8_1", "11_101_1024_7_1"),
                                   "aviation_turbine_fuel": ("11_101_1009_8_1", "11_101_1009_7_1")}.items():
        assert math.isclose(FUELS[name].kwh_per_unit["l"], rows[per_l] / rows[per_kwh])
        assert FUELS[name].wtt_kg_per_kwh == rows[per_kwh]


def test_training_set_accepts_record_dicts_and_names_a_bad_one() -> None:
    good = leg("D1", ["S1"], "road", "van_avg", 400, fuel=[{"type": "diesel", "amount": 3.0, "unit": "l"}])
    data = build_training_set([good], [ResolvedDistance(30.0, "actual")])
    assert len(data) == 1 and data.legs[0].leg_id == "D1"
    with pytest.raises(InvalidRecordError) as info:
        build_training_set([dict(good, payload_kg=-1)], [ResolvedDistance(30.0, "actual")])
    assert info.value.record == "D1" and info.value.field == "payload_kg"


TRAINING_DATA_HASH_200_LEGS_SEED_11 = "9111ae0196c1922e97234f3d717ff94522a3bbe66ad19c7ff18ad247be654411"
"""``data_hash()`` of 200 simulated legs (seed 11), computed before carbon_models had input
types of its own (the legs were then the ledger's records): retrained models keep their hash."""


def test_training_data_hash_is_the_same_for_typed_legs_and_record_dicts() -> None:
    legs, dists = simulate_fleet(200, np.random.default_rng(11))
    as_records = [{"schema_version": 1, "kind": "transport_leg", **leg.model_dump(mode="json")} for leg in legs]
    for given in (legs, as_records):
        assert build_training_set(given, dists).data_hash() == TRAINING_DATA_HASH_200_LEGS_SEED_11


def test_simulator_rejects_an_empty_fleet() -> None:
    with pytest.raises(ValueError, match="n must be at least 1, got 0"):
        simulate_fleet(0, np.random.default_rng(0))
