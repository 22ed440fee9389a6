"""Every kind of bad input raises its own error naming the record and field; nothing is summed."""

from __future__ import annotations

from typing import Any

import pytest

from carbon_models import FootprintError, footprint_order
from carbon_models.errors import (
    AllocationError,
    DistanceError,
    FuelUnitError,
    InvalidRecordError,
    MissingFactorError,
    UnknownFactorSetError,
    UnknownLocationError,
    UnknownShipmentError,
    UnknownVehicleClassError,
)
from carbon_models.leg_estimates import LegEstimate
from tests.carbon_models.records import FRA, HAM, SHA, hub, leg, shipment

S1 = shipment("S1", 100)


def _without(rec: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != key}


CASES = [
    ("unknown vehicle class", [S1], [leg("L1", ["S1"], "road", "spaceship", 1_000, distance_km=10)], [],
     UnknownVehicleClassError, "record L1, field vehicle: unknown vehicle class 'spaceship' in factor set desnz-2025"),
    ("vehicle of another mode", [S1], [leg("L1", ["S1"], "rail", "van_avg", 1_000, distance_km=10)], [],
     UnknownVehicleClassError, "record L1, field vehicle: vehicle class 'van_avg' is road, but the leg's mode is rail"),
    ("missing shipment mass", [_without(S1, "mass_kg")], [], [],
     InvalidRecordError, "record S1, field mass_kg: Field required"),
    ("missing payload", [S1], [_without(leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=10), "payload_kg")], [],
     InvalidRecordError, "record L1, field payload_kg: Field required"),
    ("negative distance", [S1], [leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=-5)], [],
     InvalidRecordError, "record L1, field distance_km: Input should be greater than 0"),
    ("absurd distance", [S1], [leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=90_000)], [],
     InvalidRecordError, "record L1, field distance_km: Input should be less than or equal to 40100"),
    ("distance shorter than the great circle", [S1],
     [leg("L1", ["S1"], "sea", "container_ship_avg", 1e6, origin=SHA, destination=HAM, distance_km=50)], [],
     DistanceError, "record L1, field distance_km: distance_km 50 is shorter than the great-circle distance"),
    ("distance absurdly longer than the great circle", [S1],
     [leg("L1", ["S1"], "sea", "container_ship_avg", 1e6, origin=SHA, destination=HAM, distance_km=40_000)], [],
     DistanceError, "record L1, field distance_km: distance_km 40000 is implausibly long for a great-circle distance"),
    ("unknown location code", [S1],
     [leg("L1", ["S1"], "road", "van_avg", 1_000, origin={"name": "Nowhere", "unlocode": "XXQQQ"})], [],
     UnknownLocationError, "record L1, field origin: cannot resolve UN/LOCODE XXQQQ to coordinates offline"),
    ("unknown airport", [S1],
     [leg("L1", ["S1"], "air", "air_long_haul", 1_000, origin=FRA, destination={"name": "Nowhere", "iata": "QQQ"})], [],
     UnknownLocationError, "record L1, field destination: cannot resolve IATA QQQ to coordinates offline"),
    ("fuel unit mismatch", [S1],
     [leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=10, fuel=[{"type": "diesel", "amount": 3, "unit": "kg"}])], [],
     FuelUnitError, "record L1, field fuel[0]: factor set desnz-2025 has factors for diesel_average_biofuel_blend in kWh, l, t, not 'kg'"),
    ("fuel with no TTW factor", [S1],
     [leg("L1", ["S1"], "sea", "container_ship_avg", 1e6, distance_km=10, fuel=[{"type": "hfo", "amount": 3, "unit": "l"}])], [],
     MissingFactorError, "record L1, field fuel[0]: factor set desnz-2025 has no TTW (combustion) factor for marine_fuel_oil in l"),
    ("unknown fuel", [S1],
     [leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=10, fuel=[{"type": "unobtainium", "amount": 3, "unit": "l"}])], [],
     MissingFactorError, "record L1, field fuel[0]: fuel 'unobtainium' is not in factor set desnz-2025"),
    ("leg references a shipment not given", [S1], [leg("L1", ["S1", "S9"], "road", "van_avg", 1_000, distance_km=10)], [],
     UnknownShipmentError, "record L1, field shipment_ids[1]: references shipment 'S9', which was not given"),
    ("hub references a shipment not given", [S1], [], [hub("H1", ["S9"], 1_000)],
     UnknownShipmentError, "record H1, field shipment_ids[0]: references shipment 'S9', which was not given"),
    ("duplicate shipment", [S1, S1], [], [],
     UnknownShipmentError, "record S1, field shipment_id: duplicate shipment_id 'S1'"),
    ("shipments heavier than the payload", [S1], [leg("L1", ["S1"], "road", "van_avg", 50, distance_km=10)], [],
     AllocationError, "record L1, field payload_kg: its shipments weigh 100 kg, more than payload_kg 50"),
    ("hub on a grid the set lacks", [S1], [], [hub("H1", ["S1"], 1_000, country="GB", electricity_kwh=10)],
     MissingFactorError, "record H1, field electricity_kwh: factor set desnz-2025 has no grid electricity factor for GB"),
    ("several orders and none named", [S1, shipment("S2", 5, order="ORD-2")], [], [],
     InvalidRecordError, "field order_id: shipments belong to 2 orders (ORD-1, ORD-2); name one"),
    ("no shipments", [], [], [], InvalidRecordError, "field shipments: no shipments given"),
    ("not an object", ["S1"], [], [], InvalidRecordError, "record shipments[0]: expected a shipments record object, got str"),
]


@pytest.mark.parametrize(("name", "ships", "legs", "hubs", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_record_and_field(name: str, ships: list, legs: list, hubs: list, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        footprint_order(ships, legs, hubs)
    assert message in str(info.value)
    assert isinstance(info.value, FootprintError) and isinstance(info.value, ValueError)


def test_unknown_factor_set_is_a_lookup_error() -> None:
    with pytest.raises(UnknownFactorSetError, match="no factor set 'nope'") as info:
        footprint_order([S1], [], [], factor_set="nope")
    assert isinstance(info.value, LookupError) and info.value.field == "factor_set"


def test_error_carries_record_and_field_for_json() -> None:
    with pytest.raises(UnknownVehicleClassError) as info:
        footprint_order([S1], [leg("L1", ["S1"], "road", "spaceship", 1_000, distance_km=10)])
    assert info.value.to_dict() == {
        "error": "UnknownVehicleClassError", "record": "L1", "field": "vehicle",
        "message": "unknown vehicle class 'spaceship' in factor set desnz-2025 (see `carbonledger factors show desnz-2025`)",
    }


def test_nested_field_paths_use_indexes() -> None:
    bad = leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=10, fuel=[{"type": "diesel", "amount": -1, "unit": "l"}])
    with pytest.raises(InvalidRecordError) as info:
        footprint_order([S1], [bad])
    assert info.value.field == "fuel[0].amount" and "greater than 0" in info.value.message


class _BadEstimator:
    model_hash = "sha256:00"

    def __init__(self, answer: list) -> None:
        self.answer = answer

    def estimate_legs(self, legs, distances):  # noqa: ANN001, ANN201 - test double
        return self.answer


@pytest.mark.parametrize(("answer", "message"), [
    ([], "estimator returned 0 estimates for 1 legs"),
    ([LegEstimate(10.0, 5.0, 20.0)], "record L1: estimator returned invalid quantiles"),
])
def test_a_misbehaving_estimator_is_refused(answer: list, message: str) -> None:
    with pytest.raises(FootprintError) as info:
        footprint_order([S1], [leg("L1", ["S1"], "road", "van_avg", 1_000, distance_km=10)], estimator=_BadEstimator(answer))
    assert message in str(info.value)
