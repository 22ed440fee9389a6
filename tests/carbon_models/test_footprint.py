"""Worked footprints, computed by hand from the DESNZ 2025 rows, and the engine's invariants.

Every expected figure is written out as arithmetic on the published factor values, with
the DESNZ row ID beside it, and compared to 0.1 %.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence

import pytest

from carbon_models import footprint_order, leg_emissions
from carbon_models.distance import ResolvedDistance, great_circle_km, sea_route_km, unlocode_point
from carbon_models.inputs import TransportLeg
from carbon_models.leg_estimates import LegEstimate
from carbon_models.results import OrderFootprint
from ledger.demo_supply_chain import records_by_participant
from ledger.records.schemas import FootprintRecord
from tests.carbon_models.records import FRA, HAM, SHA, SZX, hub, leg, shipment

REL = 1e-3  # 0.1 %


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=REL)


def test_road_modelled_articulated_hgv() -> None:
    # hgv_artic_avg_laden: TTW 0.078 (27_304_3136_14_1), WTT 0.01823 (28_907_3136_14_1) kg CO2e/t.km
    fp = footprint_order([shipment("S1", 20_000)], [leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 20_000, distance_km=250)])
    assert close(fp.transport.ttw_kg, 20 * 250 * 0.078)  # 390.0
    assert close(fp.transport.wtt_kg, 20 * 250 * 0.01823)  # 91.15
    assert close(fp.transport.wtw_kg, 20 * 250 * (0.078 + 0.01823))  # 481.15
    (l1,) = fp.legs
    assert l1.method == "modelled" and l1.distance_basis == "actual" and l1.share == 1.0
    assert l1.factors == ["desnz-2025:27_304_3136_14_1", "desnz-2025:28_907_3136_14_1"]
    assert fp.primary_data_share == 0.0


def test_rail_share_of_a_train() -> None:
    # rail_freight: TTW 0.02779 (27_315_3151_14_1), WTT 0.00691 (28_911_3151_14_1)
    fp = footprint_order([shipment("S1", 1_000)], [leg("L1", ["S1"], "rail", "rail_freight", 500_000, distance_km=372)])
    leg_ttw = 500 * 372 * 0.02779  # 5,168.94 kg for the whole train
    assert close(fp.legs[0].leg_total.ttw_kg, leg_ttw)
    assert close(fp.transport.ttw_kg, leg_ttw * 1_000 / 500_000)  # 10.33788
    assert close(fp.transport.wtt_kg, 500 * 372 * 0.00691 * 1_000 / 500_000)  # 2.57052
    assert close(fp.legs[0].transport_activity_tkm, 1.0 * 372)


def test_sea_with_reported_distance() -> None:
    # container_ship_avg: TTW 0.01612 (27_320_3235_14_1), WTT 0.00365 (28_916_3235_14_1)
    fp = footprint_order([shipment("S1", 5_000)],
                         [leg("L1", ["S1"], "sea", "container_ship_avg", 10_000_000, origin=SHA, destination=HAM,
                              distance_km=21_000)])
    assert close(fp.transport.ttw_kg, 5 * 21_000 * 0.01612)  # 1,692.6
    assert close(fp.transport.wtt_kg, 5 * 21_000 * 0.00365)  # 383.25


def test_sea_without_distance_uses_the_sea_route() -> None:
    fp = footprint_order([shipment("S1", 5_000)],
                         [leg("L1", ["S1"], "sea", "container_ship_avg", 10_000_000, origin=SHA, destination=HAM)])
    (l1,) = fp.legs
    sfd = sea_route_km(unlocode_point("CNSHA"), unlocode_point("DEHAM"))
    assert l1.distance_basis == "SFD" and close(l1.distance_km, sfd)
    assert sfd > great_circle_km(unlocode_point("CNSHA"), unlocode_point("DEHAM"))
    assert close(fp.transport.wtw_kg, 5 * sfd * (0.01612 + 0.00365))


def test_air_great_circle_plus_95_km() -> None:
    # airportsdata: SZX 22.6393 N 113.811 E, FRA 50.0264 N 8.54313 E; haversine on R = 6371.0088 km
    p1, l1, p2, l2 = map(math.radians, (22.6393, 113.811, 50.0264, 8.54313))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    gcd = 2 * 6371.0088 * math.asin(math.sqrt(h))  # about 9,120 km
    km = gcd + 95  # GLEC v3 air adjustment
    fp = footprint_order([shipment("S1", 100)],
                         [leg("L1", ["S1"], "air", "air_long_haul", 50_000, origin=SZX, destination=FRA)])
    (a,) = fp.legs
    assert a.distance_basis == "GCD" and close(a.distance_km, km)
    # air_long_haul (without RF): TTW 0.5313 (27_317_3157_14_1), WTT 0.13516 (28_913_3157_14_1)
    assert close(fp.transport.ttw_kg, 0.1 * km * 0.5313)
    assert close(fp.transport.wtt_kg, 0.1 * km * 0.13516)


def test_primary_diesel_van() -> None:
    # 50.7 l diesel: TTW 2.57082 kg/l (DESNZ 2025 Fuels, Scope 1), WTT 0.61101 kg/l (11_101_1011_8_1)
    fp = footprint_order([shipment("S1", 2.46)],
                         [leg("L1", ["S1"], "road", "van_avg", 420, distance_km=563,
                              fuel=[{"type": "diesel", "amount": 50.7, "unit": "l"}])])
    (l1,) = fp.legs
    assert l1.method == "primary"
    assert close(l1.leg_total.ttw_kg, 50.7 * 2.57082)  # 130.340574
    assert close(l1.leg_total.wtt_kg, 50.7 * 0.61101)  # 30.978207
    assert close(fp.transport.wtw_kg, 50.7 * (2.57082 + 0.61101) * 2.46 / 420)
    assert fp.primary_data_share == 1.0
    # Primary legs: +-5 % band (stated assumption).
    assert close(fp.uncertainty.p10_wtw_kg, fp.transport.wtw_kg * 0.95)
    assert close(fp.uncertainty.p90_wtw_kg, fp.transport.wtw_kg * 1.05)


def test_shared_vehicle_allocates_by_mass_over_payload() -> None:
    # One artic (16.5 t payload, 176 km) carries order X's 1,000 kg and order Y's 500 kg.
    ships = [shipment("SX", 1_000, order="X"), shipment("SY", 500, order="Y")]
    legs = [leg("L1", ["SX", "SY"], "road", "hgv_artic_avg_laden", 16_500, distance_km=176)]
    x = footprint_order(ships, legs, order_id="X")
    y = footprint_order(ships, legs, order_id="Y")
    whole_ttw = 16.5 * 176 * 0.078  # 226.512 kg for the vehicle
    assert close(x.legs[0].leg_total.ttw_kg, whole_ttw)
    assert close(x.transport.ttw_kg, whole_ttw * 1_000 / 16_500)  # = 1 t x 176 km x 0.078 = 13.728
    assert close(y.transport.ttw_kg, whole_ttw * 500 / 16_500)  # 6.864
    assert x.legs[0].shipment_ids == ["SX"] and close(x.legs[0].share, 1_000 / 16_500)


def test_hub_electricity_by_mass_throughput() -> None:
    # 18,400 kWh x 0.363 kg CO2/kWh (UBA 2024, DE grid), shared by 2.46 kg of 1,240,000 kg throughput.
    fp = footprint_order([shipment("S1", 2.46)], [], [hub("H1", ["S1"], 1_240_000, electricity_kwh=18_400)])
    (h,) = fp.hubs
    assert close(h.hub_total.wtt_kg, 18_400 * 0.363) and h.hub_total.ttw_kg == 0.0  # 6,679.2
    assert close(fp.transport.wtw_kg, 18_400 * 0.363 * 2.46 / 1_240_000)  # 0.013250...
    assert fp.hubs_total == fp.transport and h.factors == ["uba-2024:electricity:DE"]


def test_hub_fuel_is_primary_ttw_and_wtt() -> None:
    # 100 l diesel burnt in the yard: TTW 2.57082 kg/l (Scope 1), WTT 0.61101 kg/l (11_101_1011_8_1); half the throughput.
    fp = footprint_order([shipment("S1", 500)], [], [hub("H1", ["S1"], 1_000, fuel=[{"type": "diesel", "amount": 100, "unit": "l"}])])
    assert close(fp.transport.ttw_kg, 100 * 2.57082 * 0.5)  # 128.541
    assert close(fp.transport.wtt_kg, 100 * 0.61101 * 0.5)  # 30.5505
    assert fp.primary_data_share == 1.0


def test_reefer_leg_on_an_ambient_class_is_flagged() -> None:
    fp = footprint_order([shipment("S1", 100)], [leg("L1", ["S1"], "road", "hgv_rigid_avg_laden", 5_000, distance_km=50,
                                                      temperature_controlled=True)])
    assert fp.legs[0].flags == ["temperature_controlled_on_ambient_class"] and fp.legs[0].temperature_controlled


def test_products_are_reported_apart_from_transport() -> None:
    s = shipment("S1", 5, products=[
        {"gtin": "06901234567892", "description": "tea", "quantity": 6, "mass_kg": 0.31, "pcf_kgco2e_per_unit": 0.82},
        {"gtin": "06901234567908", "description": "oolong", "quantity": 4, "mass_kg": 0.12},
    ])
    fp = footprint_order([s], [leg("L1", ["S1"], "road", "van_avg", 400, distance_km=100)])
    assert close(fp.cradle_to_gate_kg, 6 * 0.82)  # 4.92
    assert fp.products_without_pcf == ["06901234567908"]
    # van_avg: TTW 0.6313 (27_303_3102_14_1), WTT 0.15095 (28_906_3102_14_1); no product PCF in it.
    assert close(fp.transport.wtw_kg, 0.005 * 100 * (0.6313 + 0.15095))


class FakeEstimator:
    model_hash = "sha256:" + "ab" * 32

    def __init__(self, answers: dict[str, LegEstimate | None]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def estimate_legs(self, legs: Sequence[TransportLeg], distances: Sequence[ResolvedDistance]) -> list[LegEstimate | None]:
        assert all(isinstance(d, ResolvedDistance) for d in distances)
        self.calls.append([leg.leg_id for leg in legs])
        return [self.answers[leg.leg_id] for leg in legs]


def test_estimator_p50_with_band_and_fallback_flag() -> None:
    est = FakeEstimator({"L1": LegEstimate(80.0, 100.0, 130.0), "L2": None})
    legs = [leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 10_000, distance_km=300),
            leg("L2", ["S1"], "rail", "rail_freight", 100_000, distance_km=300),
            leg("L3", ["S1"], "road", "van_avg", 400, distance_km=10, fuel=[{"type": "diesel", "amount": 1.5, "unit": "l"}])]
    fp = footprint_order([shipment("S1", 100)], legs, estimator=est)
    assert est.calls == [["L1", "L2"]]  # primary legs are never sent to the estimator
    l1, l2, l3 = fp.legs
    assert l1.method == "estimated" and close(l1.leg_total.wtw_kg, 100.0)
    # WTW split in the class's default TTW:WTT proportions 0.078 : 0.01823
    assert close(l1.leg_total.ttw_kg, 100.0 * 0.078 / (0.078 + 0.01823))
    assert close(l1.p10_kg, 80.0 * 100 / 10_000) and close(l1.p90_kg, 130.0 * 100 / 10_000)
    assert l2.method == "modelled" and l2.flags == ["estimator_declined_default_intensity"]
    assert close(l2.allocated.wtw_kg, 0.1 * 300 * (0.02779 + 0.00691))
    assert l3.method == "primary"
    assert fp.estimator_model_hash == est.model_hash


def _demo_order(prefix: str) -> dict[str, list[dict]]:
    recs = [r for _, r in records_by_participant()]
    return {
        "shipments": [r for r in recs if r["kind"] == "shipment" and r["shipment_id"].startswith(prefix)],
        "legs": [r for r in recs if r["kind"] == "transport_leg" and any(s.startswith(prefix) for s in r["shipment_ids"])],
        "hubs": [r for r in recs if r["kind"] == "hub_operation" and any(s.startswith(prefix) for s in r["shipment_ids"])],
    }


def test_demo_orders_compute_and_store_as_footprint_records() -> None:
    for prefix, order in (("SH-TEA", "ORD-TEA-1001"), ("SH-ELEC", "ORD-ELEC-2002")):
        data = _demo_order(prefix)
        fp = footprint_order(data["shipments"], data["legs"], data["hubs"], order_id=order)
        assert fp.transport.wtw_kg > 0
        result = fp.to_record_result()
        json.dumps(result, allow_nan=False)
        FootprintRecord(kind="footprint", order_id=order, inputs=["0" * 64], result=result)
        assert OrderFootprint.from_record_result(result) == fp


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_inputs_give_identical_canonical_bytes(seed: int) -> None:
    data = _demo_order("SH-TEA")
    want = footprint_order(data["shipments"], data["legs"], data["hubs"], order_id="ORD-TEA-1002").canonical_json()
    rng = random.Random(seed)
    shuffled = {k: rng.sample(v, len(v)) for k, v in data.items()}
    for rec in shuffled["legs"] + shuffled["hubs"]:
        rec["shipment_ids"] = rng.sample(rec["shipment_ids"], len(rec["shipment_ids"]))
    got = footprint_order(shuffled["shipments"], shuffled["legs"], shuffled["hubs"], order_id="ORD-TEA-1002")
    assert got.canonical_json() == want


def test_order_total_is_the_sum_of_its_parts() -> None:
    data = _demo_order("SH-TEA")
    fp = footprint_order(data["shipments"], data["legs"], data["hubs"], order_id="ORD-TEA-1001")
    parts = [x.allocated.wtw_kg for x in fp.legs] + [h.allocated.wtw_kg for h in fp.hubs]
    assert math.isclose(fp.transport.wtw_kg, math.fsum(parts), abs_tol=1e-5)
    assert math.isclose(fp.transport.wtw_kg, fp.transport.ttw_kg + fp.transport.wtt_kg, abs_tol=2e-6)
    assert fp.uncertainty.p10_wtw_kg < fp.transport.wtw_kg < fp.uncertainty.p90_wtw_kg
    assert 0 < fp.primary_data_share < 1


def test_leg_emissions_whole_vehicle() -> None:
    res = leg_emissions(leg("L1", ["S1"], "rail", "rail_freight", 500_000, distance_km=100))
    assert close(res.leg_total.wtw_kg, 500 * 100 * (0.02779 + 0.00691)) and res.share == 1.0
