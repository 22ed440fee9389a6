"""The shipped factor sets: every DESNZ row transcribed exactly, every class complete."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from carbon_models import load_factor_set
from carbon_models.errors import FuelUnitError, MissingFactorError, UnknownFactorSetError
from carbon_models.factors import available_factor_sets

DEMO_CLASSES = ["hgv_artic_avg_laden", "hgv_rigid_avg_laden", "container_ship_avg", "rail_freight", "air_long_haul", "van_avg"]


def _desnz_rows(folder: Path) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows[row["ID"]] = {**row, "_file": path.name}
    return rows


def test_every_transcribed_row_matches_the_desnz_flat_file(factors_dir: Path) -> None:
    folder = factors_dir / "desnz-2025"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    source = _desnz_rows(folder)
    fs = load_factor_set("desnz-2025")
    checked = 0
    for factor in fs.factors.values():
        if factor.source_row_id is None:
            continue  # cited from outside the shared extract; see the factor's source
        row = source[factor.source_row_id]
        assert row["_file"] == factor.source_file, factor.id
        assert row["GHG/Unit"] == "kg CO2e", factor.id  # totals only, never a single gas
        assert float(row["GHG Conversion Factor 2025"]) == factor.value, factor.id
        assert factor.year == 2025
        expected_scope = "TTW" if row["Level 1"] == "Freighting goods" else "WTT"
        assert factor.scope == expected_scope, factor.id
        checked += 1
    assert checked >= 370


def test_every_tkm_total_row_of_the_freight_files_is_transcribed(factors_dir: Path) -> None:
    folder = factors_dir / "desnz-2025"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    fs = load_factor_set()
    have = {f.source_row_id for f in fs.factors.values()}
    for name in ("category_freighting_goods.csv", "category_wtt_delivery_vehs_and_freight.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["GHG/Unit"] == "kg CO2e" and row["UOM"] == "tonne.km" and row["GHG Conversion Factor 2025"]:
                    assert row["ID"] in have, row["ID"]


@pytest.mark.parametrize("class_id", DEMO_CLASSES)
def test_demo_vehicle_classes_have_ttw_and_wtt(class_id: str) -> None:
    vc = load_factor_set().vehicle_class(class_id)
    assert vc is not None
    assert vc.ttw.scope == "TTW" and vc.wtt.scope == "WTT"
    assert vc.ttw.unit == vc.wtt.unit == "kg CO2e/tonne.km"
    assert vc.ttw.vehicle_class == vc.wtt.vehicle_class == class_id


def test_known_values_by_hand() -> None:
    fs = load_factor_set()
    # DESNZ 2025 rows 27_320_3235_14_1 (TTW) and 28_916_3235_14_1 (WTT): container ship, average.
    ship = fs.vehicle_class("container_ship_avg")
    assert (ship.ttw.value, ship.wtt.value) == (0.01612, 0.00365)
    assert ship.ttw.source_row_id == "27_320_3235_14_1" and ship.wtt.source_row_id == "28_916_3235_14_1"
    # Air long-haul without RF (27_317_3157_14_1) and its WTT row (28_913_3157_14_1).
    air = fs.vehicle_class("air_long_haul")
    assert (air.ttw.value, air.wtt.value) == (0.5313, 0.13516)
    assert fs.vehicle_class("air_long_haul_rf").ttw.value == 0.89939


def test_fuel_factors_and_missing_ones() -> None:
    fs = load_factor_set()
    ttw, wtt = fs.fuel_factors("diesel", "l")
    assert (ttw.value, wtt.value) == (2.57082, 0.61101)
    with pytest.raises(FuelUnitError, match="not 'kWh'"):
        fs.fuel_factors("hvo", "kWh")
    with pytest.raises(MissingFactorError, match="no TTW \\(combustion\\) factor for diesel_average_biofuel_blend in kWh"):
        fs.fuel_factors("diesel", "kWh")
    with pytest.raises(MissingFactorError, match="no TTW \\(combustion\\) factor for marine_fuel_oil in l"):
        fs.fuel_factors("hfo", "l")
    with pytest.raises(MissingFactorError, match="fuel 'ammonia' is not in factor set desnz-2025"):
        fs.fuel_factors("ammonia", "kg")
    with pytest.raises(MissingFactorError, match="no grid electricity factor for GB"):
        fs.grid_factor("GB")
    assert fs.grid_factor("DE").value == 0.363


def test_unknown_factor_set() -> None:
    assert "desnz-2025" in available_factor_sets()
    with pytest.raises(UnknownFactorSetError, match="no factor set 'glec-v3'"):
        load_factor_set("glec-v3")
