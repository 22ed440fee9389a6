"""PACT export: documents validate against the official v2 and v3 OpenAPI component schemas."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from carbon_models import footprint_order
from carbon_models.errors import FootprintError
from carbon_models.pact import dec, to_pact
from tests.carbon_models.test_footprint import _demo_order

PARAMS = dict(
    footprint_id="3fa85f64-5717-4562-b3fc-2c963f66afa6", created="2026-11-01T00:00:00Z",
    company_name="Hangzhou Spring Tea Co., Ltd.", company_ids=["urn:pact:company:carbonledger:hangzhou-spring-tea"],
    reference_period_start="2026-09-01T00:00:00Z", reference_period_end="2026-10-31T23:59:59Z",
)


def _validator(standards_dir: Path, version: str) -> Draft202012Validator:
    spec_path = standards_dir / "pact" / f"v{version}" / "openapi.yaml"
    if not spec_path.is_file():
        pytest.skip(f"{spec_path} is absent")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    # OpenAPI 3.1 schemas are JSON Schema 2020-12; refs are "#/components/schemas/...", resolved in this document.
    schema = {"$ref": "#/components/schemas/ProductFootprint", "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _footprint() -> Any:
    data = _demo_order("SH-TEA")
    return footprint_order(data["shipments"], data["legs"], data["hubs"], order_id="ORD-TEA-1001")


@pytest.mark.parametrize("version", ["2", "3"])
def test_export_validates_against_the_official_schema(standards_dir: Path, version: str) -> None:
    doc = to_pact(_footprint(), version=version, **PARAMS)
    errors = sorted(_validator(standards_dir, version).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_broken_export_is_caught_by_the_schema(standards_dir: Path, version: str) -> None:
    doc = to_pact(_footprint(), version=version, **PARAMS)
    del doc["pcf"]
    doc["companyIds"] = ["not-a-urn"]
    messages = [e.message for e in _validator(standards_dir, version).iter_errors(doc)]
    assert any("'pcf' is a required property" in m for m in messages)
    assert any("does not match" in m for m in messages)


def test_pcf_is_transport_per_kilogram_with_ileap_tces() -> None:
    fp = _footprint()
    doc = to_pact(fp, version="3", **PARAMS)
    pcf = doc["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilogram" and pcf["declaredUnitAmount"] == dec(fp.mass_kg)
    assert Decimal(pcf["pcfExcludingBiogenicUptake"]) * Decimal(pcf["declaredUnitAmount"]) == pytest.approx(
        Decimal(str(fp.transport.wtw_kg)), rel=Decimal("1e-6"))
    shipment, *rest = doc["extensions"]
    tces = shipment["data"]["tces"]
    assert [t["tceId"] for t in tces] == [f"tce:ORD-TEA-1001:{x.leg_id}" for x in fp.legs] + ["tce:ORD-TEA-1001:HUB-HAM-01"]
    sea = next(t for t in tces if t["tceId"].endswith("LEG-T-02"))
    assert sea["distance"]["dataSource"] == "SFD" and sea["co2eWTW"] == dec(fp.legs[1].allocated.wtw_kg)
    assert sum(Decimal(t["co2eWTW"]) for t in tces) == pytest.approx(Decimal(str(fp.transport.wtw_kg)), abs=Decimal("1e-5"))
    tocs = [e["data"] for e in rest if e["dataSchema"].endswith("toc.json")]
    assert {t["mode"] for t in tocs} == {"Road", "Sea", "Rail"}
    assert all({"co2eIntensityWTW", "co2eIntensityTTW", "temperatureControl", "energyCarriers"} <= set(t) for t in tocs)
    assert [e["data"]["hocId"] for e in rest if e["dataSchema"].endswith("hoc.json")] == ["hoc:HUB-HAM-01"]


def test_export_is_pure_and_parameters_are_required() -> None:
    fp = _footprint()
    assert to_pact(fp, version="2", **PARAMS) == to_pact(fp, version="2", **PARAMS)
    with pytest.raises(FootprintError, match="at least one company id"):
        to_pact(fp, version="3", **{**PARAMS, "company_ids": []})
    with pytest.raises(FootprintError, match="unsupported PACT version '4'"):
        to_pact(fp, version="4", **PARAMS)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "text"), [(0.0, "0"), (1.5, "1.5"), (1e-12, "0"), (0.000123456789, "0.000123457"), (12.0, "12")])
def test_decimal_strings(value: float, text: str) -> None:
    assert dec(value) == text
