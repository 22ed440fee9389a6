"""Reduction scenarios, checked by hand against the DESNZ 2025 rows."""

from __future__ import annotations

import dataclasses
import math

import pytest

from carbon_models import load_factor_set
from carbon_models.scenarios import simulate
from tests.carbon_models.records import FRA, SZX, leg, shipment

REL = 1e-3


def _by_name(results):
    return {r.name: r for r in results}


def test_road_to_rail_over_the_threshold() -> None:
    # 1 t on 400 km: artic (0.078 + 0.01823, rows 27_304_3136 / 28_907_3136) vs rail (0.02779 + 0.00691, 27_315_3151 / 28_911_3151)
    res = _by_name(simulate([shipment("S1", 1_000)], [leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 20_000, distance_km=400)]))
    r = res["road_to_rail"]
    base, alt = 400 * (0.078 + 0.01823), 400 * (0.02779 + 0.00691)  # 38.492, 13.88
    assert r.status == "available" and r.legs_changed == ["L1"]
    assert math.isclose(r.baseline_wtw_kg, base, rel_tol=REL) and math.isclose(r.scenario_wtw_kg, alt, rel_tol=REL)
    assert math.isclose(r.saving_kg, base - alt, rel_tol=REL)
    assert math.isclose(r.saving_pct, 100 * (base - alt) / base, rel_tol=REL)  # 63.94 %
    assert math.isclose(r.added_transit_hours, 400 / 40 - 400 / 60, abs_tol=0.01)  # 3.33 h
    assert res["air_to_sea"].status == "unavailable" and res["air_to_sea"].reason == "no leg of the order qualifies"


def test_short_road_leg_is_not_moved_to_rail() -> None:
    res = _by_name(simulate([shipment("S1", 1_000)], [leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 20_000, distance_km=120)]))
    assert res["road_to_rail"].status == "unavailable"


def test_electric_van_and_hvo_on_primary_diesel() -> None:
    legs = [leg("L1", ["S1"], "road", "van_avg", 500, distance_km=100, fuel=[{"type": "diesel", "amount": 10, "unit": "l"}])]
    res = _by_name(simulate([shipment("S1", 500)], legs))
    hvo = res["hvo_road"]
    # 10 l diesel: 2.57082 + 0.61101 kg/l; 10 l HVO: 0.03558 (Scope 1) + 0.56439 (12_900_1036_8_1) kg/l
    assert math.isclose(hvo.baseline_wtw_kg, 10 * (2.57082 + 0.61101), rel_tol=REL)
    assert math.isclose(hvo.scenario_wtw_kg, 10 * (0.03558 + 0.56439), rel_tol=REL)
    ev = res["electric_last_mile_van"]
    # van_avg_bev: 0.21992 (27_303_3108_14_1) + 0.05633 (28_906_3108_14_1) kg/t.km on 0.5 t x 100 km
    assert math.isclose(ev.scenario_wtw_kg, 0.5 * 100 * (0.21992 + 0.05633), rel_tol=REL)
    assert ev.added_transit_hours == 0.0


def test_air_to_sea_saves_emissions_and_costs_time() -> None:
    res = _by_name(simulate([shipment("S1", 100)], [leg("L1", ["S1"], "air", "air_long_haul", 50_000, origin=SZX, destination=FRA)]))
    r = res["air_to_sea"]
    assert r.status == "available" and r.saving_pct > 80 and r.added_transit_hours > 24 * 10


def test_missing_factor_makes_a_scenario_unavailable() -> None:
    fs = load_factor_set()
    no_rail = dataclasses.replace(fs, vehicle_classes={k: v for k, v in fs.vehicle_classes.items() if k != "rail_freight"})
    res = _by_name(simulate([shipment("S1", 1_000)], [leg("L1", ["S1"], "road", "hgv_artic_avg_laden", 20_000, distance_km=400)],
                            factor_set=no_rail))
    assert res["road_to_rail"].status == "unavailable"
    assert res["road_to_rail"].reason == "factor set desnz-2025 has no rail_freight class"


@pytest.mark.parametrize("name", ["road_to_rail", "air_to_sea", "electric_last_mile_van", "hvo_road"])
def test_every_scenario_is_reported(name: str) -> None:
    res = _by_name(simulate([shipment("S1", 1_000)], [leg("L1", ["S1"], "rail", "rail_freight", 400_000, distance_km=400)]))
    assert name in res
