"""Export an order footprint as a PACT ProductFootprint (v2.3 and v3.0), with iLEAP logistics.

The "product" is the order's delivered goods, declared per kilogram: the PCF is the
order's ISO 14083 transport WTW emissions divided by its mass, so a buyer can add it to
the goods' own cradle-to-gate PCFs (which this export does not include; they stay with
their suppliers' PACT footprints, see ``OrderFootprint.products``).

The logistics detail travels as data model extensions in the shape of the iLEAP
extension (SINE Foundation, v1.0): one ``ShipmentFootprint`` (the order's consignment)
made of TCEs (one per leg and per hub visit), plus one TOC per leg and one HOC per hub.
No iLEAP schema file is available offline, so only the PACT envelope is validated.

Pure: the footprint id, timestamps and company ids are parameters, never generated here.
All decimals are strings, as PACT requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from carbon_models.errors import FootprintError
from carbon_models.results import HubFootprint, LegFootprint, OrderFootprint

PactVersion = Literal["2", "3"]

SPEC_VERSIONS = {"2": "2.3.0", "3": "3.0.0"}
"""The PACT Technical Specification versions emitted (the latest minor of each major shipped
in ``shared/standards/pact``)."""

ILEAP_SPEC_VERSION = "1.0.0"
ILEAP_SCHEMAS = {
    "shipment": "https://api.ileap.sine.dev/shipment-footprint.json",
    "toc": "https://api.ileap.sine.dev/toc.json",
    "hoc": "https://api.ileap.sine.dev/hoc.json",
}
"""Extension schema URLs of the iLEAP data model extension (SINE Foundation)."""
ILEAP_DOCS = "https://sine-fdn.github.io/ileap-extension/"

CPC_FREIGHT_TRANSPORT = "65"
"""UN CPC v2.1 division 65, freight transport services (v2's mandatory productCategoryCpc)."""

DECIMAL_PLACES = 9

_MODES = {"road": "Road", "rail": "Rail", "air": "Air", "sea": "Sea", "inland_waterway": "InlandWaterway"}
_BASIS = {"actual": "Actual", "SFD": "SFD", "GCD": "GCD"}
_CARRIERS = {"diesel": "Diesel", "petrol": "Petrol", "cng": "CNG", "lpg": "LPG", "electricity": "Electric",
             "heavy_fuel_oil": "HFO", "jet_kerosene": "JetKerosene", "petrol_electricity": "Petrol",
             "diesel_electricity_mix": "Diesel", "unknown": "Diesel"}
_HUB_TYPES = {"warehouse": "Warehouse", "distribution_centre": "StorageAndTransshipment", "transhipment": "Transshipment",
              "port_terminal": "MaritimeContainerterminal", "airport_terminal": "Transshipment"}


def dec(value: float, places: int = DECIMAL_PLACES) -> str:
    """A PACT decimal string: fixed point, no exponent, no trailing zeros (``"0"`` for zero)."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _ext(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"specVersion": ILEAP_SPEC_VERSION, "dataSchema": ILEAP_SCHEMAS[kind], "documentation": ILEAP_DOCS, "data": data}


def _toc(leg: LegFootprint) -> dict[str, Any]:
    toc: dict[str, Any] = {
        "tocId": f"toc:{leg.leg_id}",
        "description": f"{leg.vehicle_class} ({leg.method})",
        "mode": _MODES[leg.mode],
        "temperatureControl": "refrigerated" if leg.temperature_controlled else "ambient",
        "energyCarriers": [{"energyCarrier": _CARRIERS.get(leg.energy_carrier, "Diesel"), "relativeShare": "1"}],
        "co2eIntensityWTW": dec(leg.intensity_wtw_kg_per_tkm),
        "co2eIntensityTTW": dec(leg.intensity_ttw_kg_per_tkm),
        "transportActivityUnit": "tkm",
    }
    if leg.load_factor is not None:
        toc["loadFactor"] = dec(leg.load_factor)
    if leg.empty_km is not None:
        toc["emptyDistanceFactor"] = dec(leg.empty_km / leg.distance_km)
    return toc


def _hoc(hub: HubFootprint) -> dict[str, Any]:
    tonnes = hub.throughput_kg / 1000.0
    return {
        "hocId": f"hoc:{hub.hub_id}",
        "hubType": _HUB_TYPES[hub.hub_type],
        "temperatureControl": "refrigerated" if hub.temperature_controlled else "ambient",
        "hubLocation": {"countryCode": hub.country},
        "energyCarriers": [{"energyCarrier": "Electric", "relativeShare": "1"}],
        "co2eIntensityWTW": dec(hub.hub_total.wtw_kg / tonnes),
        "co2eIntensityTTW": dec(hub.hub_total.ttw_kg / tonnes),
        "hubActivityUnit": "tonnes",
    }


def shipment_footprint(fp: OrderFootprint) -> dict[str, Any]:
    """The iLEAP ShipmentFootprint of the order's consignment: one TCE per leg and hub."""
    tces = []
    for leg in fp.legs:
        tces.append({
            "tceId": f"tce:{fp.order_id}:{leg.leg_id}", "tocId": f"toc:{leg.leg_id}", "shipmentId": fp.order_id,
            "mass": dec(leg.allocated_mass_kg),
            "distance": {"value": dec(leg.distance_km), "dataSource": _BASIS[leg.distance_basis]},
            "transportActivity": dec(leg.transport_activity_tkm),
            "co2eWTW": dec(leg.allocated.wtw_kg), "co2eTTW": dec(leg.allocated.ttw_kg),
        })
    for hub in fp.hubs:
        tces.append({
            "tceId": f"tce:{fp.order_id}:{hub.hub_id}", "hocId": f"hoc:{hub.hub_id}", "shipmentId": fp.order_id,
            "mass": dec(hub.allocated_mass_kg), "distance": {"value": "0", "dataSource": "Actual"},
            "transportActivity": "0", "co2eWTW": dec(hub.allocated.wtw_kg), "co2eTTW": dec(hub.allocated.ttw_kg),
        })
    return {"mass": dec(fp.mass_kg), "shipmentId": fp.order_id, "tces": tces}


def _common(fp: OrderFootprint, *, footprint_id: str, created: str, company_name: str,
            company_ids: Sequence[str], product_ids: Sequence[str] | None, version: PactVersion) -> dict[str, Any]:
    if not company_ids:
        raise FootprintError("at least one company id (a URN) is required", field="company_ids")
    extensions = [_ext("shipment", shipment_footprint(fp))]
    extensions += [_ext("toc", _toc(leg)) for leg in fp.legs]
    extensions += [_ext("hoc", _hoc(hub)) for hub in fp.hubs]
    return {
        "id": footprint_id,
        "specVersion": SPEC_VERSIONS[version],
        "created": created,
        "status": "Active",
        "companyName": company_name,
        "companyIds": list(company_ids),
        "productDescription": (
            f"Delivery of order {fp.order_id}: {len(fp.shipment_ids)} shipment(s), {dec(fp.mass_kg)} kg, "
            f"{len(fp.legs)} transport leg(s) and {len(fp.hubs)} hub operation(s)"
        ),
        "productIds": list(product_ids) if product_ids else [f"urn:pact:carbonledger:order:{fp.order_id}"],
        "productNameCompany": f"Order {fp.order_id} delivery",
        "comment": (
            f"Transport and hub emissions only (ISO 14083, WTW), computed by {fp.method_version} with factor set "
            f"{fp.factor_set_id} {fp.factor_set_version}; the goods' cradle-to-gate PCFs are reported separately"
            + (f" ({dec(fp.cradle_to_gate_kg)} kg CO2e declared by suppliers)" if fp.cradle_to_gate_kg is not None else "")
            + "."
        ),
        "extensions": extensions,
    }


def _pcf_numbers(fp: OrderFootprint) -> tuple[str, str, float]:
    if fp.mass_kg <= 0:
        raise FootprintError("order mass must be positive to declare per kilogram", record=fp.order_id, field="mass_kg")
    per_kg = dec(fp.transport.wtw_kg / fp.mass_kg)
    aircraft = sum(leg.allocated.wtw_kg for leg in fp.legs if leg.mode == "air") / fp.mass_kg
    return per_kg, dec(aircraft), fp.primary_data_share * 100.0


_BOUNDARY = ("Well-to-wheel (WTT + TTW) emissions of every transport chain element and hub operation the "
             "order's shipments went through, allocated by mass (tonne-km on legs, mass throughput at hubs).")


def to_pact(
    fp: OrderFootprint,
    *,
    version: PactVersion,
    footprint_id: str,
    created: str,
    company_name: str,
    company_ids: Sequence[str],
    reference_period_start: str,
    reference_period_end: str,
    product_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The order footprint as a PACT ProductFootprint of spec ``version`` "2" (2.3) or "3" (3.0).

    ``footprint_id`` is a UUID, timestamps RFC 3339 strings and company/product ids URNs,
    all chosen by the caller. Raises :class:`FootprintError` for an empty ``company_ids``.
    """
    if version not in SPEC_VERSIONS:
        raise FootprintError(f"unsupported PACT version {version!r}; use '2' or '3'", field="version")
    doc = _common(fp, footprint_id=footprint_id, created=created, company_name=company_name,
                  company_ids=company_ids, product_ids=product_ids, version=version)
    per_kg, aircraft, primary_pct = _pcf_numbers(fp)
    source = {"name": "UK DESNZ GHG conversion factors" if fp.factor_set_id.startswith("desnz") else fp.factor_set_id,
              "version": fp.factor_set_version}
    if version == "2":
        doc["version"] = 0
        doc["productCategoryCpc"] = CPC_FREIGHT_TRANSPORT
        doc["pcf"] = {
            "declaredUnit": "kilogram", "unitaryProductAmount": dec(fp.mass_kg),
            "productMassPerDeclaredUnit": "1",
            "pCfExcludingBiogenic": per_kg, "pCfIncludingBiogenic": per_kg, "fossilGhgEmissions": per_kg,
            "fossilCarbonContent": "0", "biogenicCarbonContent": "0", "aircraftGhgEmissions": aircraft,
            "characterizationFactors": "AR5", "ipccCharacterizationFactorsSources": ["AR5"],
            "crossSectoralStandardsUsed": ["GHG Protocol Product standard"], "crossSectoralStandards": ["ISO14083"],
            "boundaryProcessesDescription": _BOUNDARY,
            "referencePeriodStart": reference_period_start, "referencePeriodEnd": reference_period_end,
            "exemptedEmissionsPercent": 0, "exemptedEmissionsDescription": "",
            "packagingEmissionsIncluded": False, "allocationRulesDescription": "Mass allocation (ISO 14083)",
            "uncertaintyAssessmentDescription": fp.uncertainty.assumption,
            "secondaryEmissionFactorSources": [source], "primaryDataShare": round(primary_pct, 4),
        }
    else:
        doc["productClassifications"] = [f"urn:pact:productclassification:un-cpc:{CPC_FREIGHT_TRANSPORT}"]
        doc["pcf"] = {
            "declaredUnitOfMeasurement": "kilogram", "declaredUnitAmount": dec(fp.mass_kg),
            "productMassPerDeclaredUnit": "1",
            "referencePeriodStart": reference_period_start, "referencePeriodEnd": reference_period_end,
            "boundaryProcessesDescription": _BOUNDARY,
            "pcfExcludingBiogenicUptake": per_kg, "pcfIncludingBiogenicUptake": per_kg, "fossilGhgEmissions": per_kg,
            "fossilCarbonContent": "0", "aircraftGhgEmissions": aircraft, "outboundLogisticsGhgEmissions": per_kg,
            "packagingEmissionsIncluded": False, "ipccCharacterizationFactors": ["AR5"],
            "crossSectoralStandards": ["ISO14083"], "exemptedEmissionsPercent": "0",
            "allocationRulesDescription": "Mass allocation (ISO 14083)",
            "secondaryEmissionFactorSources": [source], "primaryDataShare": dec(primary_pct, 4),
        }
    return doc
