"""The supplier's record forms: one field list per kind, turned into a record by the same
dotted-path rules as CSV uploads (``ledger.record_files``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.record_files import csv_row_to_record


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | number | datetime | select
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()


def _place(prefix: str, label: str) -> list[Field]:
    return [
        Field(f"{prefix}.name", f"{label}: name", required=True),
        Field(f"{prefix}.unlocode", f"{label}: UN/LOCODE", help="e.g. CNSHA; or give an IATA code"),
        Field(f"{prefix}.iata", f"{label}: IATA airport", help="e.g. FRA"),
    ]


FORMS: dict[str, tuple[str, list[Field]]] = {
    "shipment": ("Shipment", [
        Field("shipment_id", "Shipment ID", required=True),
        Field("order_id", "Order ID", required=True),
        Field("consignee_country", "Destination country", required=True, help="ISO code, e.g. DE"),
        Field("product.gtin", "Product GTIN", required=True),
        Field("product.description", "Product description", required=True),
        Field("product.quantity", "Quantity", "number", required=True),
        Field("product.mass_kg", "Mass per unit (kg)", "number", required=True),
        Field("mass_kg", "Shipment gross mass (kg)", "number", required=True),
        *_place("origin", "Origin"), *_place("destination", "Destination"),
    ]),
    "transport_leg": ("Transport leg", [
        Field("leg_id", "Leg ID", required=True),
        Field("shipment_ids", "Shipment IDs", required=True, help="separate several with ;"),
        Field("mode", "Mode", "select", required=True, choices=("road", "rail", "sea", "air", "inland_waterway")),
        Field("vehicle", "Vehicle class", required=True, help="an id from the factor set, e.g. van_avg"),
        *_place("origin", "From"), *_place("destination", "To"),
        Field("distance_km", "Distance (km)", "number", help="leave empty to have it computed"),
        Field("payload_kg", "All cargo on the vehicle (kg)", "number", required=True),
        Field("fuel.type", "Fuel burned: type", help="primary data, e.g. diesel"),
        Field("fuel.amount", "Fuel burned: amount", "number"),
        Field("fuel.unit", "Fuel burned: unit", "select", choices=("", "l", "kg", "kWh", "m3")),
        Field("departure", "Departure", "datetime", help="e.g. 2026-09-01T06:00:00+08:00"),
        Field("arrival", "Arrival", "datetime"),
    ]),
    "hub_operation": ("Hub operation", [
        Field("hub_id", "Hub ID", required=True),
        Field("shipment_ids", "Shipment IDs", required=True, help="separate several with ;"),
        Field("country", "Country", required=True, help="ISO code, e.g. DE"),
        Field("electricity_kwh", "Electricity (kWh)", "number"),
        Field("throughput_kg", "Throughput in the period (kg)", "number", required=True),
        Field("period", "Period", required=True, help="e.g. 2026-10"),
    ]),
}


def record_from_form(kind: str, form: dict[str, str], participant_id: str) -> dict[str, Any]:
    """Build the raw record a form describes (validation happens in normalise_record)."""
    _, fields = FORMS[kind]
    cells = {f.name: form.get(f.name, "") for f in fields}
    record = csv_row_to_record({"kind": kind, **cells}, "form")
    if kind == "shipment":
        record["shipper"] = participant_id
        product = record.pop("product", None)
        if product:
            record["products"] = [product]
    if kind == "transport_leg":
        fuel = record.pop("fuel", None)
        if fuel:
            record["fuel"] = [fuel]
    return record
