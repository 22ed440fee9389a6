"""``carbonledger footprint`` and ``carbonledger factors``: exit codes, output, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.carbon_models.records import leg, shipment
from tests.carbon_models.test_footprint import _demo_order


@pytest.fixture
def run(tmp_path: Path):
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _write(tmp_path: Path, data: object, name: str = "order.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_footprint_table_and_json(run, tmp_path: Path) -> None:
    path = _write(tmp_path, _demo_order("SH-TEA"))
    code, out, err = run("footprint", path, "--order", "ORD-TEA-1001")
    assert code == 0, err
    assert "LEG-T-02" in out and "SFD" in out and "total" in out and "HUB-HAM-01" in out
    code, out, _ = run("footprint", path, "--order", "ORD-TEA-1001", "--json", "--scenarios")
    assert code == 0
    doc = json.loads(out)
    assert doc["footprint"]["order_id"] == "ORD-TEA-1001" and doc["footprint"]["transport"]["wtw_kg"] > 0
    assert {s["name"] for s in doc["scenarios"]} == {"road_to_rail", "air_to_sea", "electric_last_mile_van", "hvo_road"}


def test_scenarios_in_the_table(run, tmp_path: Path) -> None:
    code, out, err = run("footprint", _write(tmp_path, _demo_order("SH-ELEC")), "--order", "ORD-ELEC-2001", "--scenarios")
    assert code == 0, err
    assert "air_to_sea" in out and "saves" in out


@pytest.mark.parametrize(("data", "fragment"), [
    ({"shipments": [shipment("S1", 10)], "legs": [leg("L1", ["S1"], "road", "spaceship", 100, distance_km=5)]},
     "record L1, field vehicle: unknown vehicle class 'spaceship'"),
    ({"shipments": [shipment("S1", 10)], "legs": [leg("L1", ["S2"], "road", "van_avg", 100, distance_km=5)]},
     "record L1, field shipment_ids[0]: references shipment 'S2', which was not given"),
    ({"shipments": [{k: v for k, v in shipment("S1", 10).items() if k != "kind"}]},
     "record S1, field kind: Field required"),  # files hold records: carbon_models alone would not ask for kind
    ({"shipments": [], "lorries": []}, "field lorries: unknown key 'lorries'"),
    ("{not json", "is not valid JSON"),
    ([1, 2], "must hold an object"),
])
def test_bad_input_exits_2_with_the_record_and_field(run, tmp_path: Path, data: object, fragment: str) -> None:
    code, out, err = run("footprint", _write(tmp_path, data))
    assert code == 2
    assert fragment in err and "Traceback" not in err + out


def test_bad_input_as_json(run, tmp_path: Path) -> None:
    data = {"shipments": [shipment("S1", 10)], "legs": [leg("L1", ["S1"], "road", "van_avg", 100, distance_km=-1)]}
    code, out, _ = run("footprint", _write(tmp_path, data), "--json")
    assert code == 2
    assert json.loads(out) == {"error": "InvalidRecordError", "record": "L1", "field": "distance_km",
                               "message": "Input should be greater than 0"}


def test_factors_list_and_show(run) -> None:
    code, out, _ = run("factors", "list")
    assert code == 0 and "desnz-2025" in out
    code, out, _ = run("factors", "show", "desnz-2025", "--json")
    assert code == 0
    doc = json.loads(out)
    ids = {c["id"] for c in doc["vehicle_classes"]}
    assert {"hgv_artic_avg_laden", "container_ship_avg", "air_long_haul", "van_avg", "rail_freight"} <= ids
    code, _, err = run("factors", "show", "glec-v3")
    assert code == 2 and "no factor set 'glec-v3'" in err
